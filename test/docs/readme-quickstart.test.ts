import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/sshd.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The ```sh blocks of one README section, as lists of commands (comments and blank lines dropped). */
function shellBlocks(heading: string): string[][] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line && !line.startsWith('#')),
  );
}

/** The one command of a section that starts with `prefix`. */
function command(heading: string, prefix: string): string {
  const found = shellBlocks(heading)
    .flat()
    .filter((c) => c.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`README "${heading}": ${found.length} commands start with "${prefix}"`);
  return found[0]!;
}

/** Text of the README that shows a command inline, e.g. `npm start -- --listen 127.0.0.1:18090`. */
function inline(prefix: string): string {
  const match = new RegExp(`\`(${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\`]*)\``).exec(README);
  if (!match) throw new Error(`README shows no \`${prefix}…\``);
  return match[1]!;
}

/**
 * A newcomer's first steps, copied from the README and run literally on a fresh clone: the machine's own Node
 * and npm (no node_modules/.bin in PATH), `npm ci`, `npm start`, curl /health, `token create` into
 * TAILWARDEN_TOKEN, then an MCP client call with that token. The only liberties: npm prefers its local cache
 * (npm_config_prefer_offline, so the run takes a minute or two rather than depending on the registry), the
 * port is a free one instead of 8080 (through the `npm start -- --listen` form the README gives), and the
 * state directory is a temporary one (TAILWARDEN_STATE_DIR, which the README names).
 */
describe('README quick start, on a fresh clone', { timeout: 480_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tw-test-quickstart-'));
  const clone = join(work, 'tailwarden');
  const stateDir = join(work, 'state');
  const env = {
    PATH: (process.env.PATH ?? '')
      .split(':')
      .filter((p) => !p.includes('node_modules'))
      .join(':'),
    HOME: process.env.HOME ?? '/root',
    TAILWARDEN_STATE_DIR: stateDir,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const sh = (line: string) => run('bash', ['-c', line], { cwd: clone, env, maxBuffer: 64 * 1024 * 1024 });
  let daemon: ReturnType<typeof spawn> | undefined;

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      // npm and its shell do not pass SIGTERM on; stop the gateway itself (its pid is in serve.json), and they end.
      const closed = new Promise((resolve) => daemon!.once('close', resolve));
      const { pid } = JSON.parse(readFileSync(join(stateDir, 'serve.json'), 'utf8')) as { pid: number };
      process.kill(pid, 'SIGTERM');
      await closed;
    }
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('set up, start, check health, create a token, call a tool', async () => {
    await run('git', ['clone', '--quiet', ROOT, clone]);

    const [setup, start] = shellBlocks('Quick start (from source)')[0]!;
    expect(setup).toBe('npm ci');
    expect(start).toBe('npm start');
    await sh(setup!);

    const port = await freePort();
    const startWithPort = inline('npm start -- --listen').replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
    daemon = spawn('bash', ['-c', `exec ${startWithPort}`], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    daemon.stdout!.on('data', (d) => {
      output += d;
    });
    daemon.stderr!.on('data', (d) => {
      output += d;
    });
    await new Promise<void>((resolve, reject) => {
      const check = () => (output.includes('listening on') ? resolve() : undefined);
      daemon!.stdout!.on('data', check);
      daemon!.once('close', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    expect(output).not.toMatch(/EBADENGINE|ExperimentalWarning/);

    const health = command('Quick start (from source)', 'curl -fsS http://127.0.0.1:8080/health');
    const { stdout: healthOut } = await sh(health.replace(':8080', `:${port}`));
    expect(JSON.parse(healthOut)).toMatchObject({ status: 'ok' });

    const create = command('Create a token', 'export TAILWARDEN_TOKEN=');
    const { stdout: token, stderr } = await sh(`${create}\nprintf %s "$TAILWARDEN_TOKEN"`);
    expect(token.split('.')).toHaveLength(3);
    expect(stderr).not.toMatch(/EBADENGINE|ExperimentalWarning/); // the system Node may be older: no noise

    const client = new Client({ name: 'quickstart', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'system_status', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from '../support/cli.ts';
import { freePort } from '../support/sshd.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MCP_REMOTE = join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');
const INSPECTOR = join(
  ROOT,
  'node_modules',
  '@modelcontextprotocol',
  'inspector',
  'clients',
  'launcher',
  'build',
  'index.js',
);

/** Run a client to its end; its output is what a person reads in the client's log. */
function runToEnd(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The clients the README names, against the real daemon with token sign-in only (no OAuth offered). */
describe('real MCP clients: mcp-remote and the Inspector CLI', { timeout: 120_000 }, () => {
  let home: string;
  let stateDir: string;
  let url: string;
  let token: string;
  let serve: Awaited<ReturnType<typeof startServe>>;
  // The Inspector needs Node >= 22.19 first in PATH; the tests' own Node is.
  const env = () => ({ PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: home });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'tw-test-clients-home-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tw-test-clients-state-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}/mcp`;
    serve = await startServe(['--listen', `127.0.0.1:${port}`, '--state-dir', stateDir], {});
    token = (
      await runCli(['token', 'create', '--name', 'clients', '--role', 'viewer', '--state-dir', stateDir])
    ).stdout.trim();
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    rmSync(home, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('mcp-remote, configured as in the README (token from the environment), lists and calls tools', async () => {
    const client = new Client({ name: 'claude-desktop-like', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        // mcp-remote itself expands ${VAR} in header values from its environment, as the README uses it.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text mcp-remote receives
        args: [MCP_REMOTE, url, '--allow-http', '--header', 'Authorization:Bearer ${TAILWARDEN_TOKEN}'],
        env: { ...env(), TAILWARDEN_TOKEN: token },
        stderr: 'ignore',
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('system_status');
      const result = await client.callTool({ name: 'system_status', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('mcp-remote with a bad token ends with the gateway saying OAuth is not offered and what to do', async () => {
    const { out } = await runToEnd(
      [MCP_REMOTE, url, '--allow-http', '--header', 'Authorization:Bearer not-a-token'],
      env(),
    );
    expect(out).toContain('Dynamic Client Registration rejected (HTTP 404)');
    expect(out).toContain('does not offer OAuth sign-in');
    expect(out).toContain('tailwarden token create');
    // No OAuth metadata is advertised: its paths answer the same readable 404.
    const prm = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url));
    expect(prm.status).toBe(404);
    expect(await prm.json()).toMatchObject({ error: 'oauth_not_offered' });
  });

  it('the Inspector CLI line of the README calls a tool', async () => {
    const { code, out } = await runToEnd(
      [
        INSPECTOR,
        '--cli',
        url,
        '--transport',
        'http',
        '--header',
        `Authorization: Bearer ${token}`,
        '--method',
        'tools/call',
        '--tool-name',
        'system_status',
      ],
      env(),
    );
    expect(out).toContain('structuredContent');
    expect(code).toBe(0);
  });

  it('the Inspector with a bad token shows the 401 text, which says where the token goes', async () => {
    const { out } = await runToEnd(
      [
        INSPECTOR,
        '--cli',
        url,
        '--transport',
        'http',
        '--header',
        'Authorization: Bearer not-a-token',
        '--method',
        'tools/list',
        '--stored-auth-only',
      ],
      env(),
    );
    expect(out).toContain('offers no OAuth sign-in');
    expect(out).toContain('Authorization: Bearer <token>');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.ts';
import { runCli, startServe } from '../support/cli.ts';

const stateDir = () => mkdtempSync(join(tmpdir(), 'tw-cli-'));

describe('tailwarden CLI', () => {
  it('prints its version and help for every command', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toBe(VERSION);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'token', 'tools', 'config', 'audit']) {
      expect(help.stdout).toContain(command);
      const sub = await runCli([command, '--help']);
      expect(sub.code, `${command} --help`).toBe(0);
      expect(sub.stdout).toContain('Usage: tailwarden');
    }
  });

  it('creates, lists and revokes tokens; the secret is printed once and never listed', async () => {
    const dir = stateDir();
    const created = await runCli([
      'token',
      'create',
      '--name',
      'laptop',
      '--role',
      'viewer',
      '--json',
      '--state-dir',
      dir,
    ]);
    expect(created.code).toBe(0);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token.split('.')).toHaveLength(3);

    const listed = await runCli(['token', 'list', '--json', '--state-dir', dir]);
    expect(listed.stdout).not.toContain(token);
    const records = JSON.parse(listed.stdout) as { id: string; name: string }[];
    expect(records).toMatchObject([{ id, name: 'laptop' }]);

    const table = await runCli(['token', 'list'], { env: { TAILWARDEN_STATE_DIR: dir } });
    expect(table.stdout).toMatch(/ID\s+NAME\s+PERMISSIONS\s+CREATED\s+EXPIRES\s+LAST USED/);
    expect(table.stdout).toContain('active');

    expect((await runCli(['token', 'revoke', id, '--state-dir', dir])).code).toBe(0);
    expect((await runCli(['token', 'list', '--state-dir', dir])).stdout).toContain('revoked');
  });

  it('refuses a token without a role, with an unknown role, or with a bad TTL, and says why', async () => {
    const dir = stateDir();
    const noRole = await runCli(['token', 'create', '--name', 'x', '--state-dir', dir]);
    expect(noRole.code).not.toBe(0);
    expect(noRole.stderr).toContain('--role ROLE or --permissions');
    const unknown = await runCli(['token', 'create', '--name', 'x', '--role', 'god', '--state-dir', dir]);
    expect(unknown.stderr).toContain('unknown role "god"');
    const ttl = await runCli([
      'token',
      'create',
      '--name',
      'x',
      '--role',
      'viewer',
      '--ttl',
      'soon',
      '--state-dir',
      dir,
    ]);
    expect(ttl.stderr).toContain('not a duration');
    const perms = await runCli([
      'token',
      'create',
      '--name',
      'x',
      '--permissions',
      'docker:root',
      '--state-dir',
      dir,
    ]);
    expect(perms.code).not.toBe(0);
    expect(perms.stderr).toContain('docker:root');
  });

  it('lists the tool catalog, filtered by role', async () => {
    const all = JSON.parse((await runCli(['tools', '--json', '--state-dir', stateDir()])).stdout) as {
      name: string;
      permission: string;
      risk: string;
    }[];
    expect(all.map((t) => t.name)).toContain('system_status');
    const viewer = JSON.parse(
      (await runCli(['tools', '--json', '--role', 'viewer', '--state-dir', stateDir()])).stdout,
    ) as {
      permission: string;
    }[];
    expect(viewer.every((t) => t.permission.endsWith(':read'))).toBe(true);
    const table = await runCli(['tools', '--state-dir', stateDir()]);
    expect(table.stdout).toMatch(/NAME\s+PERMISSION\s+RISK\s+TITLE/);
  });

  it('prints the effective config and checks a config file', async () => {
    const printed = await runCli(['config', '--print', '--state-dir', '/tmp/tw-print'], {
      env: { TAILWARDEN_LISTEN: '127.0.0.1:9999' },
    });
    expect(printed.stdout).toContain('listen: 127.0.0.1:9999');
    expect(printed.stdout).toContain('session_idle_timeout: 30m');

    const dir = stateDir();
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'listen: 127.0.0.1:9000\n');
    expect((await runCli(['config', '--check', good])).stdout).toContain('ok');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'listen: 127.0.0.1:9000\npolicy:\n  high: maybe\n');
    const checked = await runCli(['config', '--check', bad]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`${bad}: policy.high`);
  });

  it('fails start-up on a bad config file with the file, the key and the problem', async () => {
    const dir = stateDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'http:\n  max_sessions: -3\n');
    const result = await runCli(['serve', '--config', bad, '--state-dir', dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${bad}: http.max_sessions`);
  });

  it('verifies the audit chain and reports the first tampered record', async () => {
    const dir = stateDir();
    const path = join(dir, 'audit.jsonl');
    const { AuditLog } = await import('../../src/audit/log.ts');
    const { silentLogger } = await import('../../src/log.ts');
    const audit = await AuditLog.open(path, silentLogger());
    for (let i = 0; i < 5; i++) await audit.append({ event: 'test', n: i }, { durable: true });
    await audit.close();

    const ok = await runCli(['audit', 'verify', '--state-dir', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('chain intact');

    const tail = await runCli(['audit', 'tail', '-n', '2', '--json', '--state-dir', dir]);
    expect(tail.stdout.trim().split('\n')).toHaveLength(2);

    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/"n":\d/, '"n":7');
    writeFileSync(path, lines.join('\n'));
    const broken = await runCli(['audit', 'verify', '--state-dir', dir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at line 3');
  });
});

describe('tailwarden serve', () => {
  it('answers health checks, serves MCP, and stops cleanly on SIGTERM with the audit chain intact', async () => {
    const dir = stateDir();
    const created = await runCli([
      'token',
      'create',
      '--name',
      'ci',
      '--role',
      'viewer',
      '--json',
      '--state-dir',
      dir,
    ]);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const { child, logs, exited } = await startServe(['--listen', '127.0.0.1:0'], {
      TAILWARDEN_STATE_DIR: dir,
    });
    const started = logs.find((l) => String(l.msg).includes('listening on'))!;
    const base = `http://${started.listen as string}`;

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: VERSION });
    expect((await fetch(`${base}/mcp`, { method: 'POST' })).status).toBe(401);

    const client = new Client({ name: 'cli-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const status = await client.callTool({ name: 'system_status', arguments: {} });
    expect(status.isError).toBeFalsy();
    await client.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs.some((l) => l.msg === 'stopped')).toBe(true);
    const verify = await runCli(['audit', 'verify', '--json', '--state-dir', dir]);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(verify.stdout).records).toBeGreaterThanOrEqual(2);
  });
});

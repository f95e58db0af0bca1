import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApprovalStore } from '../../src/policy/approvals/store.ts';
import { StateDb } from '../../src/state/db.ts';
import { BIN, runCli, startServe } from '../support/cli.ts';
import { freePort } from '../support/sshd.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cli-setup-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('CLI outputs', { timeout: 90_000 }, () => {
  it('token list --json and create --json use snake_case keys and ISO times', async () => {
    const dir = tempDir();
    const created = JSON.parse(
      (
        await runCli([
          'token',
          'create',
          '--name',
          'x',
          '--role',
          'viewer',
          '--ttl',
          'never',
          '--json',
          '--state-dir',
          dir,
        ])
      ).stdout,
    );
    expect(created.expires_at).toBeNull();
    const [token] = JSON.parse((await runCli(['token', 'list', '--json', '--state-dir', dir])).stdout);
    expect(Object.keys(token).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'permissions', 'revoked_at', 'role'].sort(),
    );
    expect(token.created_at).toMatch(ISO);
  });

  it('approvals list/show --json use snake_case and ISO; show names the page on the port the daemon listens on', async () => {
    const dir = tempDir();
    const db = new StateDb(dir);
    const record = new ApprovalStore(db).create({
      principalId: 'token:t1',
      principalName: 'laptop',
      tool: 'docker_container_remove',
      risk: 'critical',
      args: { container: 'web', force: true },
      argsHash: 'h'.repeat(64),
      summary: 'Remove container web.',
      ttlMs: 600_000,
    });
    db.close();
    const [listed] = JSON.parse((await runCli(['approvals', 'list', '--json', '--state-dir', dir])).stdout);
    expect(listed).toMatchObject({
      id: record.id,
      principal_name: 'laptop',
      args_hash: 'h'.repeat(64),
      state: 'pending',
    });
    expect(listed.expires_at).toMatch(ISO);
    expect(listed.args).toEqual({ container: 'web', force: true }); // the call's own keys are kept

    // The daemon listens where its flag says; this command's config says 8080.
    const port = await freePort();
    const serve = await startServe(['--listen', `127.0.0.1:${port}`, '--state-dir', dir], {});
    try {
      const shown = await runCli(['approvals', 'show', record.id, '--state-dir', dir]);
      expect(shown.stdout).toContain(`http://127.0.0.1:${port}/approvals/${record.id}`);
      const json = JSON.parse(
        (await runCli(['approvals', 'show', record.id, '--json', '--state-dir', dir])).stdout,
      );
      expect(json).toMatchObject({
        url: `http://127.0.0.1:${port}/approvals/${record.id}`,
        created_at: expect.stringMatching(ISO),
      });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    expect(existsSync(join(dir, 'serve.json'))).toBe(false); // removed on a clean stop
  });
});

describe('start-up errors', { timeout: 90_000 }, () => {
  it('a port in use names the address and the tailwarden already there', async () => {
    const dir = tempDir();
    const port = await freePort();
    const first = await startServe(['--listen', `127.0.0.1:${port}`, '--state-dir', dir], {});
    try {
      const second = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--state-dir', tempDir()]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `cannot listen on 127.0.0.1:${port}: the address is in use: tailwarden`,
      );
      expect(second.stderr).toContain('--listen HOST:PORT');
      expect(second.stderr).not.toContain('EADDRINUSE');
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('a port held by another program says how to find it', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const result = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--state-dir', tempDir()]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`ss -ltnp 'sport = :${port}'`);
    } finally {
      holder.close();
    }
  });

  it('an address the machine does not have, and a number for listen, are explained', async () => {
    const notMine = await runCli(['serve', '--listen', '192.0.2.55:18080', '--state-dir', tempDir()]);
    expect(notMine.stderr).toContain('this machine has no address 192.0.2.55');
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'listen: 18090\n');
    const number = await runCli(['serve', '--config', file]);
    expect(number.code).toBe(1);
    expect(number.stderr).toContain('listen: expected "HOST:PORT" (text, e.g. "127.0.0.1:18090"');
  });

  it('warns about an unknown TAILWARDEN_* variable with the closest name, and goes on', async () => {
    const result = await runCli(['token', 'list', '--state-dir', tempDir()], {
      env: { TAILWARDEN_STATE_DIRR: '/tmp/x' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'environment variable TAILWARDEN_STATE_DIRR is not a tailwarden setting and is ignored. Did you mean "TAILWARDEN_STATE_DIR"?',
    );
  });

  it('serve --help names the default state directory', async () => {
    expect((await runCli(['serve', '--help'])).stdout).toMatch(/XDG_STATE_HOME\/tailwarden/);
  });
});

describe('the launcher', { timeout: 90_000 }, () => {
  it('runs on an older system Node by handing over to the bundled one, without engine warnings', () => {
    const old = '/usr/bin/node';
    const version = spawnSync(old, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (!/^v(1\d|20|21)\./.test(version)) return; // this machine's system Node is new enough: nothing to prove
    const result = spawnSync(old, [BIN, '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.stderr).toBe('');
  });
});

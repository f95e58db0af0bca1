import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../src/state/db.ts';
import { textOf } from '../approvals/helpers.ts';
import { runCli, startServe } from '../support/cli.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

/*
 * Real faults against a real gateway. Covered elsewhere, not repeated here:
 * - audit file on /dev/full refuses calls in-process: test/audit/audit-calls.test.ts
 * - identity provider down and back: test/auth/oidc.test.ts
 * - dockerd killed mid-call: test/docker
 */

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'faults', version: '1' } },
};

/** A raw initialize with a bearer token: the status and JSON body (auth happens before MCP). */
async function initialize(url: string, token: string) {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(INIT),
  });
  const text = await response.text();
  return { status: response.status, text };
}

/** Hold SQLite's exclusive (write) lock from another connection until released. */
function lockDatabase(stateDir: string): () => void {
  const other = new DatabaseSync(join(stateDir, DB_FILE));
  // In WAL mode this is the write lock (readers still read): what a stuck CLI or backup holds.
  other.exec('BEGIN EXCLUSIVE');
  return () => {
    other.exec('COMMIT');
    other.close();
  };
}

describe('the state database locked by another process', () => {
  let gw: TestGateway;
  afterAll(() => gw?.close());

  it('token auth and approvals fail closed with 503 while locked, and recover once released', async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '0s' } } });
    const viewer = await gw.token({ role: 'viewer', name: 'locked-viewer' });
    const admin = await gw.token({ role: 'admin', name: 'locked-admin' });
    const adminClient = await gw.client(admin);

    const release = lockDatabase(gw.stateDir);
    let released = false;
    try {
      const refused = await initialize(gw.url, viewer);
      expect(refused.status).toBe(503);
      expect(refused.text).toMatch(/ERR_AUTH_UNAVAILABLE|state database/i);

      // An approval cannot be created while the database is locked: refused, never run.
      const wipe = await adminClient.callTool({ name: 'test_thing_wipe', arguments: { name: 'locked' } });
      expect(wipe.isError).toBe(true);
      expect(textOf(wipe)).not.toContain('wiped');
      expect(textOf(wipe)).toMatch(/ERR_\w+_UNAVAILABLE|state database/);
      release();
      released = true;
    } finally {
      if (!released) release();
    }

    expect((await initialize(gw.url, viewer)).status).toBe(200);
    const again = await adminClient.callTool({ name: 'test_thing_wipe', arguments: { name: 'after' } });
    expect(textOf(again)).toContain('ERR_APPROVAL_PENDING');
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect(gw.logs.filter((l) => l.level === 'fatal')).toEqual([]);
  });
});

describe('the audit directory on a full disk (a 64 KiB tmpfs)', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'tw-test-faults-disk-'));
  afterAll(() => {
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('refuses calls instead of running them unaudited, says so, keeps serving, and recovers when space frees', async () => {
    // A real filesystem that fills up (unlike /dev/full, it accepts writes until it does).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
    const auditFile = join(mountPoint, 'audit.jsonl');
    const filler = join(mountPoint, 'filler');
    const gw = await startTestGateway({
      modules: [testModule],
      config: { audit: { file: auditFile }, policy: { tools: { test_thing_restart: 'allow' } } },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'admin' }));
      expect(
        (await client.callTool({ name: 'test_echo', arguments: { text: 'before' } })).isError,
      ).toBeFalsy();
      // Fill every byte left.
      try {
        writeFileSync(filler, Buffer.alloc(128 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      // The audit file's last page still has slack: calls keep being audited until it is used up.
      let low = await client.callTool({ name: 'test_echo', arguments: { text: 'full' } });
      for (let i = 0; i < 500 && !low.isError; i++) {
        low = await client.callTool({ name: 'test_echo', arguments: { text: 'full' } });
      }
      expect(low.isError).toBe(true);
      expect(textOf(low)).toContain('ERR_AUDIT_UNAVAILABLE');
      const high = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'db' } });
      expect(high.isError).toBe(true);
      expect(textOf(high)).toContain('ERR_AUDIT_UNAVAILABLE');
      expect(textOf(high)).not.toContain('restarted');
      expect((await fetch(`${gw.url}/health`)).status).toBeLessThan(600);

      rmSync(filler);
      const after = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'db' } });
      expect(textOf(after)).toContain('restarted');
      await gw.gateway.audit.flush();
      const verify = await runCli(['audit', 'verify', '--json', '--state-dir', gw.stateDir], {
        env: { TAILWARDEN_AUDIT_FILE: auditFile },
      });
      expect(JSON.parse(verify.stdout), verify.stdout).toMatchObject({ ok: true });
    } finally {
      await gw.close();
    }
  });
});

describe('SIGKILL of tailwarden serve during a burst of calls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-faults-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on restart the audit chain verifies and a pending approval is still listed', async () => {
    mkdirSync(dir, { recursive: true });
    const env = { TAILWARDEN_STATE_DIR: dir, TAILWARDEN_POLICY_APPROVAL_WAIT: '0s' };
    const created = await runCli([
      'token',
      'create',
      '--name',
      'k',
      '--role',
      'admin',
      '--json',
      '--state-dir',
      dir,
    ]);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const first = await startServe(['--listen', '127.0.0.1:0'], env);
    const listen = first.logs.find((l) => String(l.msg).includes('listening on'))!.listen as string;
    const client = new Client({ name: 'kill', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://${listen}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const pending = await client
      .callTool({ name: 'system_packages_remove', arguments: { packages: ['tw-test-never-installed'] } })
      .catch((e: Error) => e);
    const burst = Array.from({ length: 200 }, () =>
      client.callTool({ name: 'system_status', arguments: {} }).catch(() => 'killed'),
    );
    // Kill it mid-burst: once the first of the 200 calls has been answered.
    await Promise.race(burst);
    first.child.kill('SIGKILL');
    await first.exited;
    await client.close().catch(() => undefined);
    await Promise.allSettled(burst);

    const second = await startServe(['--listen', '127.0.0.1:0'], env);
    try {
      const verify = await runCli(['audit', 'verify', '--json', '--state-dir', dir]);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
      const listed = await runCli(['approvals', 'list', '--json', '--state-dir', dir]);
      expect(listed.code, `${JSON.stringify(pending)} ${listed.stderr}`).toBe(0);
      const approvals = JSON.parse(listed.stdout) as { state: string; tool: string }[];
      expect(approvals.some((a) => a.state === 'pending')).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(statSync(join(dir, DB_FILE)).size).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8').length).toBeGreaterThan(0);
  });
});

describe('a read-only state directory or audit directory (a read-only bind mount)', () => {
  // A running daemon's open files stay writable under a new read-only mount, and the kernel refuses to
  // remount a mount with open writers (EBUSY), so what can happen for real is a start on a read-only
  // directory: a mount gone read-only after errors, or a systemd unit without the path in ReadWritePaths=.
  const base = mkdtempSync(join(tmpdir(), 'tw-test-faults-ro-'));
  const stateDir = join(base, 'state');
  const auditDir = join(base, 'audit');
  const mounted: string[] = [];
  function readOnly(dir: string): void {
    execFileSync('mount', ['--bind', dir, dir]);
    mounted.push(dir);
    execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
  }
  afterAll(() => {
    for (const dir of mounted.reverse()) execFileSync('umount', [dir]);
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses to start or mint tokens, naming the directory and what to check; starts once writable', async () => {
    mkdirSync(stateDir, { recursive: true });
    mkdirSync(auditDir, { recursive: true });
    const created = await runCli([
      'token',
      'create',
      '--name',
      'ro',
      '--role',
      'viewer',
      '--state-dir',
      stateDir,
    ]);
    expect(created.code).toBe(0);
    const before = readFileSync(join(stateDir, DB_FILE));
    readOnly(stateDir);

    const serve = await runCli(['serve', '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain(`The state directory ${stateDir} is on a read-only file system (EROFS)`);
    expect(serve.stderr).toContain('ReadWritePaths=');
    // A state directory still to be created under the read-only mount (Node's mkdir says ENOENT there).
    const nested = await runCli(['serve', '--listen', '127.0.0.1:0', '--state-dir', join(stateDir, 'new')]);
    expect(nested.stderr).toContain(
      `The state directory ${join(stateDir, 'new')} is on a read-only file system`,
    );
    const token = await runCli([
      'token',
      'create',
      '--name',
      'ro2',
      '--role',
      'viewer',
      '--state-dir',
      stateDir,
    ]);
    expect(token.code).not.toBe(0);
    expect(token.stderr).toContain('read-only file system');
    expect(token.stdout).not.toMatch(/eyJ/);
    expect(readFileSync(join(stateDir, DB_FILE)).equals(before)).toBe(true);

    // State writable, audit file on a read-only directory: refused as well, naming the audit log.
    const auditFile = join(auditDir, 'audit.jsonl');
    readOnly(auditDir);
    const writableState = join(base, 'state2');
    const audit = await runCli(['serve', '--listen', '127.0.0.1:0', '--state-dir', writableState], {
      env: { TAILWARDEN_AUDIT_FILE: auditFile },
    });
    expect(audit.code).not.toBe(0);
    expect(audit.stderr).toContain(`The audit log ${auditFile} is on a read-only file system`);
    expect(audit.stderr).not.toContain('    at ');

    execFileSync('umount', [mounted.pop()!]);
    execFileSync('umount', [mounted.pop()!]);
    const started = await startServe(['--listen', '127.0.0.1:0', '--state-dir', stateDir], {
      TAILWARDEN_AUDIT_FILE: auditFile,
    });
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});

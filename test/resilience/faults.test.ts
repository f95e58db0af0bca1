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
  }, 60_000);
});

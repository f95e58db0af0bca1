import { request } from 'node:http';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INITIALIZE, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { callWaiting, cli, pendingFor, textOf } from './helpers.ts';

/**
 * A call is never held longer than its client can wait, and nothing runs for a client
 * that has gone. `approval_wait` is long here on purpose: a call that waited on it
 * without a progress token would outlast the SDK client's 60 s request timeout.
 */
describe('approvals and the client that waits for them', () => {
  let gw: TestGateway;
  let alice: string;
  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '10m' } } });
    alice = await gw.token({ role: 'admin', name: 'alice' });
  });
  afterAll(() => gw.close());

  const outcomesFor = async (approvalId: string) => {
    const records = await gw.auditRecords();
    const calls = new Set(
      records
        .filter((r) => r.event === 'tool.decision' && r.approval_id === approvalId)
        .map((r) => r.call_id),
    );
    return records.filter((r) => r.event === 'tool.outcome' && calls.has(r.call_id));
  };

  it('without a progress token, answers at once with the approval id and exactly how to continue', async () => {
    const client = await gw.client(alice);
    const result = await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'quick' } });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    const text = textOf(result);
    expect(text).toMatch(/^\[ERR_APPROVAL_PENDING\]/);
    expect(text).toContain('nothing has run yet');
    expect(text).toContain(`/approvals/${pending.id}`);
    expect(text).toContain(`tailwarden approvals approve ${pending.id}`);
    expect(text).toContain(`"approval_id": "${pending.id}"`);
    expect(text).toContain('returns its result instead of running it again');

    // Approved later; the retry runs it once, and every retry after that gets the same result.
    expect((await cli(gw.stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);
    const args = { name: 'quick', approval_id: pending.id };
    const first = await client.callTool({ name: 'test_thing_wipe', arguments: args });
    expect(first.structuredContent).toEqual({ wiped: 'quick' });
    const again = await client.callTool({ name: 'test_thing_wipe', arguments: args });
    expect(again.structuredContent).toEqual({ wiped: 'quick' });
    expect(await outcomesFor(pending.id)).toHaveLength(1);

    // Someone else presenting it gets nothing: results are kept for the principal that ran the call.
    const bob = await gw.client(await gw.token({ role: 'admin', name: 'bob' }));
    expect(textOf(await bob.callTool({ name: 'test_thing_wipe', arguments: args }))).toContain(
      'another principal',
    );
  });

  it('a call cancelled while it waits does not run when the approval comes later', async () => {
    const client = await gw.client(alice);
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'test_thing_wipe', arguments: { name: 'cancelled' } },
      CallToolResultSchema,
      {
        onprogress: () => undefined,
        signal: abort.signal,
      },
    );
    const pending = await pendingFor(gw, 'test_thing_wipe');
    abort.abort();
    await expect(call).rejects.toThrow();
    // The gateway has seen the cancellation once the denial for it is audited.
    await vi.waitFor(
      async () => {
        const records = await gw.auditRecords();
        expect(records.some((r) => r.event === 'tool.decision' && r.error_code === 'ERR_TIMEOUT')).toBe(true);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect((await cli(gw.stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);
    await gw.gateway.approvals.tick();
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('approved');
    expect(await outcomesFor(pending.id)).toHaveLength(0);
  });

  it('a call whose client closed the connection while it waited does not run when the approval comes later', async () => {
    const token = alice;
    const host = new URL(gw.url).host;
    const headers = {
      host,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
    };
    const init = await fetch(`${gw.url}/mcp`, { method: 'POST', headers, body: INITIALIZE });
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    const session = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    }).then((r) => r.text());

    // A client with a progress token, waiting on an open response; then the connection drops.
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 41,
      method: 'tools/call',
      params: { name: 'test_thing_wipe', arguments: { name: 'dropped' }, _meta: { progressToken: 'p1' } },
    });
    const target = new URL('/mcp', gw.url);
    const outgoing = request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/mcp',
      headers: session,
    });
    const opened = new Promise<void>((resolve, reject) => {
      outgoing.on('response', () => resolve());
      outgoing.on('error', reject);
    });
    outgoing.end(body);
    await opened;
    const pending = await vi.waitFor(
      () => {
        const found = gw.gateway.approvals.store
          .list(['pending'])
          .find((r) => (r.args as { name?: string }).name === 'dropped');
        if (!found) throw new Error('not yet');
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );
    outgoing.destroy();
    await vi.waitFor(
      async () => {
        const records = await gw.auditRecords();
        const denied = records.find(
          (r) => r.event === 'tool.decision' && r.rpc_id === 41 && r.error_code === 'ERR_TIMEOUT',
        );
        expect(denied).toBeTruthy();
      },
      { timeout: 20_000, interval: 100 },
    );
    expect((await cli(gw.stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);
    await gw.gateway.approvals.tick();
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('approved');
    expect(await outcomesFor(pending.id)).toHaveLength(0);
  });

  it('an approval id sent with a call that needs none is recorded only as presented, not as used', async () => {
    const client = await gw.client(alice);
    const id = `apr_${'1'.repeat(20)}`;
    const result = await client.callTool({ name: 'test_echo', arguments: { text: 'hi', approval_id: id } });
    expect(result.structuredContent).toEqual({ text: 'hi' });
    const decision = (await gw.auditRecords()).findLast(
      (r) => r.event === 'tool.decision' && r.tool === 'test_echo',
    )!;
    expect(decision).toMatchObject({ decision: 'allowed', presented_approval_id: id });
    expect(decision).not.toHaveProperty('approval_id');
  });

  it('with a progress token, waits (sending progress) until approved, then runs once', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'patient' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    expect((await cli(gw.stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);
    expect((await call.result).structuredContent).toEqual({ wiped: 'patient' });
    expect(call.progress[0]?.message).toContain(pending.id);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { auditPath } from '../../src/gateway.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { callWaiting, cli, pendingFor, textOf } from './helpers.ts';

describe('out-of-band approvals', () => {
  let gw: TestGateway;
  let alice: string;
  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '30s' } } });
    alice = await gw.token({ role: 'admin', name: 'alice' });
  });
  afterAll(() => gw.close());

  it('a call waits, with progress, until the CLI approves it, then runs once', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'disk1' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    expect(pending).toMatchObject({
      principalName: 'alice',
      risk: 'critical',
      summary: 'Wipe the thing "disk1" for good.',
    });

    const list = await cli(gw.stateDir, 'approvals', 'list');
    expect(list.stdout).toContain(pending.id);
    expect(list.stdout).toContain('Wipe the thing "disk1" for good.');
    const show = await cli(gw.stateDir, 'approvals', 'show', pending.id);
    expect(show.stdout).toContain('{"name":"disk1"}');
    const approved = await cli(gw.stateDir, 'approvals', 'approve', pending.id, '--reason', 'planned');
    expect(approved).toMatchObject({ code: 0 });

    const result = await call.result;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ wiped: 'disk1' });
    expect(call.progress.length).toBeGreaterThan(0);
    expect(call.progress[0]!.message).toContain(pending.id);
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('used');

    const records = await gw.auditRecords();
    const events = records.filter((r) => r.approval_id === pending.id).map((r) => r.event);
    expect(events).toEqual([
      'approval.created',
      'approval.notified',
      'approval.approved',
      'approval.used',
      'tool.decision', // the allowed decision names the approval it used
    ]);
    expect(
      records.find((r) => r.event === 'approval.approved' && r.approval_id === pending.id),
    ).toMatchObject({
      by: { via: 'cli' },
      reason: 'planned',
    });
    expect(gw.logs.some((l) => String(l.msg).includes(`tailwarden approvals approve ${pending.id}`))).toBe(
      true,
    );

    // Calling again with the same approval returns the result it got; it never runs a second time.
    const replay = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk1', approval_id: pending.id },
    });
    expect(replay.structuredContent).toEqual({ wiped: 'disk1' });
    const after = await gw.auditRecords();
    const runs = after.filter((r) => r.event === 'tool.outcome' && r.tool === 'test_thing_wipe');
    expect(runs).toHaveLength(1);
    expect(after.at(-1)).toMatchObject({
      event: 'tool.decision',
      decision: 'replayed',
      approval_id: pending.id,
    });
  });

  it('a denial reaches the waiting call with the reason', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'disk2' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    expect((await cli(gw.stateDir, 'approvals', 'deny', pending.id, '--reason', 'not today')).code).toBe(0);
    const result = await call.result;
    expect(textOf(result)).toContain('ERR_APPROVAL_DENIED');
    expect(textOf(result)).toContain('not today');
    const again = await cli(gw.stateDir, 'approvals', 'approve', pending.id);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('denied');
  });

  it('the audit chain verifies after all of it', async () => {
    await gw.gateway.audit.flush();
    expect(await verifyAuditLog(auditPath(gw.config))).toMatchObject({ ok: true });
  });
});

describe('approvals without waiting (approval_wait 0s)', () => {
  let quick: TestGateway;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    quick = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '0s' } } });
    alice = await quick.token({ role: 'admin', name: 'alice' });
    bob = await quick.token({ role: 'admin', name: 'bob' });
  });
  afterAll(() => quick.close());

  it('binds an approval to the principal, the tool and the exact arguments', async () => {
    const client = await quick.client(alice);
    const id = await requestPending(quick, client, 'disk3');
    expect((await cli(quick.stateDir, 'approvals', 'approve', id)).code).toBe(0);

    const changed = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk4', approval_id: id },
    });
    expect(textOf(changed)).toContain('ERR_APPROVAL_INVALID');
    expect(textOf(changed)).toContain('arguments differ');

    const otherTool = await client.callTool({
      name: 'test_thing_restart',
      arguments: { name: 'disk3', approval_id: id },
    });
    expect(textOf(otherTool)).toContain(`is for test_thing_wipe`);

    const bobClient = await quick.client(bob);
    const stolen = await bobClient.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk3', approval_id: id },
    });
    expect(textOf(stolen)).toContain('another principal');

    const unknown = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk3', approval_id: `apr_${'0'.repeat(20)}` },
    });
    expect(textOf(unknown)).toContain(`no approval "apr_${'0'.repeat(20)}"`);
    const malformed = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk3', approval_id: `apr_nope${'x'.repeat(5000)}` },
    });
    expect(textOf(malformed)).toContain('not an approval id');
    expect(textOf(malformed)).not.toContain('xxxxx');

    // None of the refusals used it up: the rightful call still runs.
    const ok = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk3', approval_id: id },
    });
    expect(ok.structuredContent).toEqual({ wiped: 'disk3' });
  });

  it('the pending result says what to do, and the retry with approval_id runs once approved', async () => {
    const client = await quick.client(alice);
    const result = await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'disk5' } });
    const id = (await pendingFor(quick, 'test_thing_wipe')).id;
    expect(textOf(result)).toContain('ERR_APPROVAL_PENDING');
    expect(textOf(result)).toContain(`"approval_id": "${id}"`);
    expect(textOf(result)).toContain(`${quick.config.listen}/approvals/${id}`);
    await cli(quick.stateDir, 'approvals', 'approve', id);
    const ok = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'disk5', approval_id: id },
    });
    expect(ok.structuredContent).toEqual({ wiped: 'disk5' });
  });

  it('the audit chain verifies after all of it', async () => {
    await quick.gateway.audit.flush();
    expect(await verifyAuditLog(auditPath(quick.config))).toMatchObject({ ok: true });
  });
});

/** Ask for an approval and return its id (the call itself returns "pending" at once). */
async function requestPending(
  gw: TestGateway,
  client: Awaited<ReturnType<TestGateway['client']>>,
  name: string,
) {
  const result = await client.callTool({ name: 'test_thing_wipe', arguments: { name } });
  expect(textOf(result)).toContain('ERR_APPROVAL_PENDING');
  const found = gw.gateway.approvals.store
    .list(['pending'])
    .find((r) => (r.args as { name?: string }).name === name);
  return found!.id;
}

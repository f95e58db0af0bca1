import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { modernPost, rpcOf } from '../support/modern.ts';
import { testModule } from '../support/test-module.ts';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const APPROVER = { id: 'token:approver', name: 'carol', via: 'test' };

// SDK clients compile a validator per listed tool: slow on a loaded machine, so generous deadlines.
describe('confirmations and approvals on the 2026-07-28 door: input-required rounds, nothing held open', {
  timeout: 120_000,
}, () => {
  let gw: TestGateway;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '10m' } } });
    alice = await gw.token({ role: 'admin', name: 'alice' });
    bob = await gw.token({ role: 'admin', name: 'bob' });
  });
  afterAll(() => gw.close());

  it('a high-risk call asks through form elicitation and runs on the retry with a yes', async () => {
    const client = await gw.modernClient(alice, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
    const result = (await client.callTool({
      name: 'test_thing_restart',
      arguments: { name: 'web' },
    })) as ToolResult;
    expect(result.structuredContent).toEqual({ restarted: 'web' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('Restart the thing "web"');
    const records = await gw.auditRecords();
    const decisions = records.filter((r) => r.event === 'tool.decision' && r.tool === 'test_thing_restart');
    expect(decisions.map((r) => r.decision)).toEqual(['input_required', 'allowed']);
    expect(records.some((r) => r.event === 'confirmation.answered' && r.confirmed === true)).toBe(true);
  });

  it('a declined confirmation does not run', async () => {
    const client = await gw.modernClient(alice, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    const result = (await client.callTool({
      name: 'test_thing_restart',
      arguments: { name: 'db' },
    })) as ToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('ERR_CONFIRMATION_DECLINED');
  });

  it('a critical call returns a URL elicitation to the approval page and completes when called again after approval', async () => {
    const client = await gw.modernClient(alice, { capabilities: { elicitation: { url: {} } } });
    const urls: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      const url = String((request.params as { url?: string }).url);
      urls.push(url);
      // The person opens the page and approves; only then does the client call again.
      const id = new URL(url).pathname.split('/').pop()!;
      await gw.gateway.approvals.decide({ id, decision: 'approved', approver: APPROVER, allowSelf: false });
      return { action: 'accept' };
    });
    const result = (await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'old' },
    })) as ToolResult;
    expect(result.structuredContent).toEqual({ wiped: 'old' });
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/\/approvals\//);
    const events = (await gw.auditRecords()).map((r) => r.event);
    expect(events).toContain('approval.created');
    expect(events).toContain('approval.used');
  });

  it('a client without URL elicitation gets the pending approval at once, with its id', async () => {
    const res = await modernPost(gw.url, {
      token: alice,
      method: 'tools/call',
      params: { name: 'test_thing_wipe', arguments: { name: 'now' } },
    });
    const { result } = await rpcOf(res);
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain('ERR_APPROVAL_PENDING');
  });

  it('requestState cannot be tampered with, replayed, moved to other arguments or used by another principal', async () => {
    const capabilities = { elicitation: { form: {} } };
    const call = (token: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      modernPost(gw.url, {
        token,
        capabilities,
        method: 'tools/call',
        params: { name: 'test_thing_restart', arguments: args, ...extra },
      }).then(rpcOf);
    const first = await call(alice, { name: 'x' });
    expect(first.result.resultType).toBe('input_required');
    const state = first.result.requestState as string;
    expect(typeof state).toBe('string');
    const yes = { inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } };

    // One character of the signed part changed to another (comparing the very character replaced:
    // checking a different one left the state unchanged once in 64 runs).
    const at = state.length - 3;
    const tampered = `${state.slice(0, at)}${state[at] === 'A' ? 'B' : 'A'}${state.slice(at + 1)}`;
    expect(tampered).not.toBe(state);
    const forged = await call(alice, { name: 'x' }, { requestState: tampered, ...yes });
    expect(forged.error.code).toBe(-32602);

    const stolen = await call(bob, { name: 'x' }, { requestState: state, ...yes });
    expect(stolen.error.code).toBe(-32602);

    const moved = await call(alice, { name: 'y' }, { requestState: state, ...yes });
    expect(moved.error.code).toBe(-32602);
    expect(moved.error.message).toMatch(/another call/);

    const ok = await call(alice, { name: 'x' }, { requestState: state, ...yes });
    expect(ok.result.structuredContent).toEqual({ restarted: 'x' });

    const replayed = await call(alice, { name: 'x' }, { requestState: state, ...yes });
    expect(replayed.error.code).toBe(-32602);
    expect(replayed.error.message).toMatch(/already used/);
  });
});

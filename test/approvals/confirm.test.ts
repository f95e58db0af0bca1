import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

type Answer = (message: string, schema: unknown) => ElicitResult;

function textOf(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0]?.text ?? '') as string;
}

describe('confirm rule (form elicitation)', () => {
  let gw: TestGateway;
  let admin: string;
  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { confirm_fallback: 'deny' } } });
    admin = await gw.token({ role: 'admin', name: 'alice' });
  });
  afterAll(() => gw.close());

  async function elicitingClient(answer: Answer) {
    const seen: { message: string; schema: unknown }[] = [];
    const client = await gw.client(admin, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      const params = request.params as { message: string; requestedSchema: unknown };
      seen.push({ message: params.message, schema: params.requestedSchema });
      return answer(params.message, params.requestedSchema);
    });
    return { client, seen };
  }

  it('shows tool, effect and arguments, and runs on an explicit yes', async () => {
    const { client, seen } = await elicitingClient(() => ({ action: 'accept', content: { confirm: true } }));
    const result = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'web' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ restarted: 'web' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.message).toContain('test_thing_restart');
    expect(seen[0]!.message).toContain('Restart the thing "web".');
    expect(seen[0]!.message).toContain('alice');
    expect(seen[0]!.schema).toMatchObject({ properties: { confirm: { type: 'boolean' } } });
    const records = await gw.auditRecords();
    expect(records.find((r) => r.event === 'confirmation.answered' && r.confirmed === true)).toBeTruthy();
  });

  it.each([
    ['decline', { action: 'decline' } as ElicitResult, 'the user declined'],
    ['cancel', { action: 'cancel' } as ElicitResult, 'the user cancelled'],
    [
      'accept without the box ticked',
      { action: 'accept', content: { confirm: false } } as ElicitResult,
      'not ticked',
    ],
  ])('refuses on %s with "declined by user"', async (_label, answer, why) => {
    const { client } = await elicitingClient(() => answer);
    const result = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'db' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('ERR_CONFIRMATION_DECLINED');
    expect(textOf(result)).toContain('Declined by user');
    expect(textOf(result)).toContain(why);
    const records = await gw.auditRecords();
    const denial = records.findLast((r) => r.tool === 'test_thing_restart' && r.event === 'tool.decision');
    expect(denial).toMatchObject({ decision: 'denied', error_code: 'ERR_CONFIRMATION_DECLINED' });
    expect(records.some((r) => r.event === 'tool.outcome' && r.call_id === denial!.call_id)).toBe(false);
  });

  it('applies confirm_fallback=deny to a client without elicitation', async () => {
    const client = await gw.client(admin);
    const result = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'web' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('ERR_POLICY_DENIED');
    expect(textOf(result)).toContain('cannot show confirmations');
  });

  it('lists the reserved approval_id argument only for tools that may need an approval', async () => {
    const client = await gw.client(admin);
    const { tools } = await client.listTools();
    const schemaOf = (name: string) => tools.find((t) => t.name === name)!.inputSchema.properties ?? {};
    expect(schemaOf('test_thing_wipe')).toHaveProperty('approval_id');
    expect(schemaOf('test_thing_restart')).toHaveProperty('approval_id');
    expect(schemaOf('test_echo')).not.toHaveProperty('approval_id');
  });

  it('low-risk tools run without asking', async () => {
    const { client, seen } = await elicitingClient(() => ({ action: 'decline' }));
    const result = await client.callTool({ name: 'test_echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(seen).toHaveLength(0);
  });
});

describe('confirm fallbacks', () => {
  it('confirm_fallback=allow runs the call for a client without elicitation', async () => {
    const gw = await startTestGateway({
      modules: [testModule],
      config: { policy: { confirm_fallback: 'allow' } },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'admin' }));
      const result = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'web' } });
      expect(result.structuredContent).toEqual({ restarted: 'web' });
    } finally {
      await gw.close();
    }
  });

  it('confirm_fallback=approve (default) escalates to an out-of-band approval', async () => {
    const gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '0s' } } });
    try {
      const client = await gw.client(await gw.token({ role: 'admin' }));
      const result = await client.callTool({ name: 'test_thing_restart', arguments: { name: 'web' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('ERR_APPROVAL_PENDING');
      const [pending] = gw.gateway.approvals.store.list(['pending']);
      expect(pending).toMatchObject({ tool: 'test_thing_restart', args: { name: 'web' } });
      expect(textOf(result)).toContain(pending!.id);
      expect(textOf(result)).toContain(`tailwarden approvals approve ${pending!.id}`);
    } finally {
      await gw.close();
    }
  });

  it('per-tool rules and tools.read_only win over the risk level', async () => {
    const gw = await startTestGateway({
      modules: [testModule],
      config: { policy: { tools: { test_thing_wipe: 'allow', test_echo: 'deny' } } },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'admin' }));
      expect(
        (await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'x' } })).structuredContent,
      ).toEqual({
        wiped: 'x',
      });
      expect(textOf(await client.callTool({ name: 'test_echo', arguments: { text: 'x' } }))).toContain(
        'ERR_POLICY_DENIED',
      );
    } finally {
      await gw.close();
    }
    const ro = await startTestGateway({
      modules: [testModule],
      config: { tools: { read_only: true }, policy: { tools: { test_thing_wipe: 'allow' } } },
    });
    try {
      const client = await ro.client(await ro.token({ role: 'admin' }));
      expect(textOf(await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'x' } }))).toContain(
        'read-only',
      );
    } finally {
      await ro.close();
    }
  });
});

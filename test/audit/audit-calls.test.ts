import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { auditPath } from '../../src/gateway.ts';
import { defineModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule, testTools } from '../support/test-module.ts';

describe('audit of tool calls', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { high: 'allow' } } });
  });
  afterAll(() => gw.close());

  it('writes a decision and an outcome for every call, with who, what and how it ended', async () => {
    const client = await gw.client(await gw.token({ role: 'admin', name: 'auditor' }), {
      name: 'claude-code',
    });
    await client.callTool({ name: 'test_echo', arguments: { text: 'hi', api_token: 'sekret-value' } });
    await client.callTool({ name: 'test_fail', arguments: { kind: 'gateway' } });
    await client.callTool({ name: 'test_thing_restart', arguments: { name: 'web' } });
    const records = await gw.auditRecords();
    const forTool = (tool: string) => records.filter((r) => r.tool === tool);

    const [decision, outcome] = forTool('test_echo');
    expect(decision).toMatchObject({
      event: 'tool.decision',
      decision: 'allowed',
      risk: 'low',
      principal: { kind: 'token', name: 'auditor' },
      client: { name: 'claude-code', version: '1.0.0' },
      args: { text: 'hi', api_token: '[secret: 18 chars]' },
    });
    expect(decision!.session_id).toBeTypeOf('string');
    expect(outcome).toMatchObject({ event: 'tool.outcome', outcome: 'ok', call_id: decision!.call_id });
    expect(outcome!.duration_ms).toBeTypeOf('number');
    expect(forTool('test_fail')[1]).toMatchObject({
      outcome: 'error',
      error_code: 'ERR_UPSTREAM_UNAVAILABLE',
    });
    expect(forTool('test_thing_restart')[0]).toMatchObject({ risk: 'high', decision: 'allowed' });
    expect(JSON.stringify(records)).not.toContain('sekret-value');
    expect((await verifyAuditLog(auditPath(gw.config))).ok).toBe(true);
  });

  it('records denials with the reason', async () => {
    const client = await gw.client(await gw.token({ permissions: ['docker:read'], name: 'weak' }));
    await client.callTool({ name: 'test_echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'no_such_tool', arguments: {} });
    const records = await gw.auditRecords();
    expect(records.find((r) => r.tool === 'test_echo' && r.decision === 'denied')).toMatchObject({
      error_code: 'ERR_PERMISSION_DENIED',
    });
    expect(records.find((r) => r.tool === 'no_such_tool')).toMatchObject({
      decision: 'denied',
      error_code: 'ERR_UNKNOWN_TOOL',
    });
  });
});

describe('an audit log that cannot be written', () => {
  it('refuses calls rather than running them unaudited', async () => {
    let ran = false;
    const spy = defineModule<unknown>({
      id: 'spy',
      title: 'Spy',
      enabled: () => true,
      tools: [
        {
          ...testTools.echo,
          name: 'spy_echo',
          handler: ({ text }: { text: string }) => {
            ran = true;
            return { text };
          },
        },
      ],
      start: () => ({ context: {}, health: () => ({ status: 'ok' }) }),
    });
    const gw = await startTestGateway({ modules: [spy], config: { audit: { file: '/dev/full' } } });
    try {
      const client = await gw.client(await gw.token({ role: 'viewer' }));
      const result = (await client.callTool({ name: 'spy_echo', arguments: { text: 'x' } })) as {
        isError?: boolean;
        content: { text: string }[];
      };
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toContain('ERR_AUDIT_UNAVAILABLE');
      expect(ran).toBe(false);
    } finally {
      await gw.close();
    }
  });
});

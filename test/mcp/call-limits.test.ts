import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

describe('call limits: tools.timeout and client cancellation', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { tools: { timeout: '300ms' } } });
  });
  afterAll(() => gw.close());

  it('stops a call at tools.timeout, says so, and audits it', async () => {
    const client = await gw.client(await gw.token({ role: 'viewer' }));
    const result = await client.callTool({ name: 'test_slow', arguments: { ms: 10_000 } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('tools.timeout');
    const outcome = (await gw.auditRecords()).find(
      (r) => r.tool === 'test_slow' && r.event === 'tool.outcome',
    );
    expect(outcome).toMatchObject({ outcome: 'error', error_code: 'ERR_TIMEOUT' });
  });

  it('stops a call the client cancels, and the gateway keeps serving', async () => {
    const client = await gw.client(await gw.token({ role: 'viewer' }));
    const controller = new AbortController();
    const call = client
      .callTool({ name: 'test_slow', arguments: { ms: 250 } }, undefined, { signal: controller.signal })
      .catch((error: Error) => error);
    setTimeout(() => controller.abort('changed my mind'), 50);
    expect(await call).toBeInstanceOf(Error);
    const next = await client.callTool({ name: 'test_echo', arguments: { text: 'still here' } });
    expect(next.isError).toBeFalsy();
  });
});

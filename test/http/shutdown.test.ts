import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { auditPath } from '../../src/gateway.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { waitFor } from '../support/wait.ts';

/** The call has reached the tool (its decision is audited), so closing now finds it in flight. */
async function inFlight(gw: TestGateway, tool: string): Promise<void> {
  await waitFor(
    async () => (await gw.auditRecords()).some((r) => r.tool === tool && r.event === 'tool.decision'),
    `${tool} to be running`,
  );
}

function recordsAt(path: string) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('graceful shutdown', () => {
  it('lets a call in flight finish, then flushes the audit log with nothing lost', async () => {
    // The grace is a liveness bound: the 800 ms call ends long before it, even under load.
    const gw = await startTestGateway({ modules: [testModule], config: { http: { shutdown_grace: '60s' } } });
    const path = auditPath(gw.config);
    const client = await gw.client(await gw.token({ role: 'viewer' }));
    const call = client.callTool({ name: 'test_slow', arguments: { ms: 800 } });
    await inFlight(gw, 'test_slow');
    const closing = gw.app.close();
    const result = await call;
    await closing;

    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ waited_ms: 800 });
    const records = recordsAt(path).filter((r) => r.tool === 'test_slow');
    expect(records.map((r) => r.event)).toEqual(['tool.decision', 'tool.outcome']);
    expect(records[1]).toMatchObject({ outcome: 'ok' });
    expect((await verifyAuditLog(path)).ok).toBe(true);
    await gw.close();
  });

  it('aborts a call still running when the grace period ends, and audits that too', async () => {
    const gw = await startTestGateway({
      modules: [testModule],
      config: { http: { shutdown_grace: '300ms' } },
    });
    const path = auditPath(gw.config);
    const client = await gw.client(await gw.token({ role: 'viewer' }));
    const call = client
      .callTool({ name: 'test_slow', arguments: { ms: 20_000 } })
      .catch((error: Error) => error);
    await inFlight(gw, 'test_slow');
    await gw.app.close();
    await call;

    const finished = recordsAt(path).find((r) => r.tool === 'test_slow' && r.event === 'tool.outcome');
    expect(finished).toMatchObject({ outcome: 'error' });
    expect((await verifyAuditLog(path)).ok).toBe(true);
    await gw.close();
  });
});

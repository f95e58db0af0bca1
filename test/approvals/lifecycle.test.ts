import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { auditPath } from '../../src/gateway.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { callWaiting, cli, pendingFor, textOf } from './helpers.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback standing in for a webhook endpoint and an ntfy server. */
async function receiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.statusCode = request.url === '/broken' ? 500 : 200;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    server,
    received,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  };
}

describe('notifications and URL-mode elicitation', () => {
  let gw: TestGateway;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    hooks = await receiver();
    gw = await startTestGateway({
      modules: [testModule],
      config: {
        public_url: 'https://warden.example.ts.net',
        policy: {
          approval_wait: '30s',
          notify: {
            webhooks: [`${hooks.url}/hook?key=s3cret-in-url`, `${hooks.url}/broken`],
            ntfy: `${hooks.url}/homelab-approvals`,
            ntfy_token: 'tk_ntfy_secret',
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await new Promise((resolve) => hooks.server.close(resolve));
  });

  it('posts a JSON webhook and an ntfy push, offers the page by URL elicitation, and survives a failing hook', async () => {
    const client = await gw.client(await gw.token({ role: 'admin', name: 'alice' }), {
      capabilities: { elicitation: { form: {}, url: {} } },
    });
    const offered: { mode: string; url: string; elicitationId: string }[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      offered.push(request.params as never);
      return { action: 'accept' };
    });
    const call = callWaiting(client, 'test_thing_wipe', { name: 'pool' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    const pageUrl = `https://warden.example.ts.net/approvals/${pending.id}`;
    await vi.waitFor(() => expect(hooks.received).toHaveLength(3), { timeout: 120_000 });

    const hook = hooks.received.find((r) => r.path.startsWith('/hook'))!;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'approval.requested',
      id: pending.id,
      tool: 'test_thing_wipe',
      risk: 'critical',
      summary: 'Wipe the thing "pool" for good.',
      requested_by: { name: 'alice' },
      url: pageUrl,
      cli: `tailwarden approvals approve ${pending.id}`,
    });
    const ntfy = hooks.received.find((r) => r.path === '/homelab-approvals')!;
    expect(ntfy.headers.title).toBe('Approval needed: test_thing_wipe');
    expect(ntfy.headers.priority).toBe('urgent');
    expect(ntfy.headers.click).toBe(pageUrl);
    expect(ntfy.headers.actions).toBe(`view, Review and decide, ${pageUrl}`);
    expect(ntfy.headers.authorization).toBe('Bearer tk_ntfy_secret');
    expect(ntfy.body).toContain('Wipe the thing "pool" for good.');

    await vi.waitFor(() => expect(offered).toHaveLength(1), { timeout: 120_000 });
    expect(offered[0]).toMatchObject({ mode: 'url', url: pageUrl, elicitationId: pending.id });

    await cli(gw.stateDir, 'approvals', 'approve', pending.id);
    expect((await call.result).structuredContent).toEqual({ wiped: 'pool' });

    const records = await gw.auditRecords();
    const notified = records.find((r) => r.event === 'approval.notified' && r.approval_id === pending.id);
    expect(notified!.channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'log', ok: true }),
        expect.objectContaining({ channel: 'webhook', ok: true }),
        expect.objectContaining({ channel: 'webhook', ok: false, error: 'HTTP 500' }),
        expect.objectContaining({ channel: 'ntfy', ok: true }),
      ]),
    );
    const everything = JSON.stringify(records) + JSON.stringify(gw.logs);
    expect(everything).not.toContain('s3cret-in-url');
    expect(everything).not.toContain('tk_ntfy_secret');
  });
});

describe('expiry and restarts', () => {
  it('an expired approval cannot be approved or used, and its expiry is audited', async () => {
    const gw = await startTestGateway({
      modules: [testModule],
      config: { policy: { approval_wait: '0s', approval_ttl: '1s' } },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'admin', name: 'alice' }));
      const first = await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'old' } });
      expect(textOf(first)).toContain('ERR_APPROVAL_PENDING');
      const pending = await pendingFor(gw, 'test_thing_wipe');
      await vi.waitFor(() => expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('expired'), {
        timeout: 120_000, // liveness only
        interval: 100,
      });
      const late = await cli(gw.stateDir, 'approvals', 'approve', pending.id);
      expect(late.code).not.toBe(0);
      expect(late.stderr).toContain('expired');
      const used = await client.callTool({
        name: 'test_thing_wipe',
        arguments: { name: 'old', approval_id: pending.id },
      });
      expect(textOf(used)).toContain('ERR_APPROVAL_INVALID');
      expect(textOf(used)).toContain('expired');
      const records = await gw.auditRecords();
      expect(records.some((r) => r.event === 'approval.expired' && r.approval_id === pending.id)).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('a pending approval survives a restart; a CLI decision made while the daemon is down is audited on start', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tw-test-approvals-restart-'));
    try {
      const config = { policy: { approval_wait: '0s' } };
      const first = await startTestGateway({ modules: [testModule], config, stateDir });
      const token = await first.token({ role: 'admin', name: 'alice' });
      const client = await first.client(token);
      expect(
        textOf(await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'keep' } })),
      ).toContain('ERR_APPROVAL_PENDING');
      const pending = await pendingFor(first, 'test_thing_wipe');
      await first.close();

      const listed = await cli(stateDir, 'approvals', 'list', '--json');
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ id: pending.id, state: 'pending' }),
      ]);
      expect((await cli(stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);

      const second = await startTestGateway({ modules: [testModule], config, stateDir });
      try {
        const again = await second.client(token);
        const ran = await again.callTool({
          name: 'test_thing_wipe',
          arguments: { name: 'keep', approval_id: pending.id },
        });
        expect(ran.structuredContent).toEqual({ wiped: 'keep' });
        const events = (await second.auditRecords())
          .filter((r) => r.approval_id === pending.id && String(r.event).startsWith('approval.'))
          .map((r) => r.event);
        expect(events).toEqual([
          'approval.created',
          'approval.notified',
          'approval.approved',
          'approval.used',
        ]);
        expect(await verifyAuditLog(auditPath(second.config))).toMatchObject({ ok: true });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

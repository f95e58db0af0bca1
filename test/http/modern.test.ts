import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineResource, jsonResource } from '../../src/mcp/resource.ts';
import { defineTool } from '../../src/mcp/tool.ts';
import { allModules } from '../../src/modules/index.ts';
import { defineModule } from '../../src/modules/types.ts';
import { MODERN_REVISION, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { modernPost, rpcOf } from '../support/modern.ts';
import { testModule } from '../support/test-module.ts';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

/** A resource that a moderate-risk tool changes, to see resource-updated notifications. */
let counter = 0;
const counterModule = defineModule<unknown>({
  id: 'counter',
  title: 'Counter',
  enabled: () => true,
  tools: [
    defineTool({
      name: 'counter_value_bump',
      title: 'Counter: Bump',
      description: 'Adds one to the counter.',
      permission: 'system:write',
      risk: 'moderate',
      input: z.object({}),
      output: z.object({ value: z.number() }),
      handler: () => ({ value: ++counter }),
    }),
    defineTool({
      name: 'counter_value_get',
      title: 'Counter: Value',
      description: 'The counter.',
      permission: 'system:read',
      risk: 'low',
      input: z.object({}),
      output: z.object({ value: z.number() }),
      handler: () => ({ value: counter }),
    }),
  ],
  resources: [
    defineResource({
      name: 'counter',
      title: 'Counter',
      description: 'The counter.',
      uri: 'tailwarden://counter',
      mimeType: 'application/json',
      tools: ['counter_value_get'],
      read: () => jsonResource({ value: counter }),
    }),
  ],
  start: () => ({ context: {}, health: () => ({ status: 'ok' }) }),
});

// SDK clients compile a validator per listed tool: slow on a loaded machine, so generous deadlines.
describe('the 2026-07-28 door on /mcp', { timeout: 120_000 }, () => {
  let gw: TestGateway;
  let viewer: string;
  let operator: string;
  let dockerOnly: string;

  beforeAll(async () => {
    gw = await startTestGateway({
      modules: [...allModules, testModule, counterModule],
      config: { http: { max_listen_per_principal: 2 } },
    });
    viewer = await gw.token({ role: 'viewer', name: 'viewer-token' });
    operator = await gw.token({ role: 'operator', name: 'operator-token' });
    dockerOnly = await gw.token({ permissions: ['docker:read'], name: 'docker-only' });
  });
  afterAll(() => gw.close());

  it('is discovered, lists and calls with a real SDK v2 client, and opens no session', async () => {
    const client = await gw.modernClient(viewer);
    expect(client.getDiscoverResult()?.supportedVersions).toContain(MODERN_REVISION);
    expect(client.getServerVersion()?.name).toBe('tailwarden');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('system_status');
    expect(tools.map((t) => t.name)).not.toContain('test_thing_restart');
    const result = (await client.callTool({ name: 'test_echo', arguments: { text: 'hi' } })) as ToolResult;
    expect(result.structuredContent).toEqual({ text: 'hi' });

    const res = await modernPost(gw.url, { token: viewer, method: 'tools/list' });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
  });

  it('serves a 2025 session and a 2026-07-28 client side by side, through the same call wrapper', async () => {
    const legacy = await gw.client(viewer, { name: 'legacy-client' });
    const modern = await gw.modernClient(viewer, { name: 'modern-client' });
    await legacy.callTool({ name: 'test_echo', arguments: { text: 'old' } });
    await modern.callTool({ name: 'test_echo', arguments: { text: 'new' } });
    const decisions = (await gw.auditRecords()).filter(
      (r) => r.event === 'tool.decision' && r.tool === 'test_echo',
    );
    const clients = decisions.map((r) => (r.client as { name: string }).name);
    expect(clients).toContain('legacy-client');
    expect(clients).toContain('modern-client');
  });

  it('carries honest cache hints: caller-dependent lists are private, live reads are not cached', async () => {
    for (const method of ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) {
      const { result } = await rpcOf(await modernPost(gw.url, { token: viewer, method }));
      expect(result, method).toMatchObject({ cacheScope: 'private' });
      expect(result.ttlMs, method).toBeGreaterThan(0);
    }
    const read = await rpcOf(
      await modernPost(gw.url, {
        token: viewer,
        method: 'resources/read',
        params: { uri: 'tailwarden://counter' },
      }),
    );
    expect(read.result).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
  });

  it('lists in the same order every time', async () => {
    const names = async () =>
      (await rpcOf(await modernPost(gw.url, { token: operator, method: 'tools/list' }))).result.tools.map(
        (t: { name: string }) => t.name,
      );
    expect(await names()).toEqual(await names());
  });

  it('needs credentials on every request, and one caller’s request shows another nothing of theirs', async () => {
    const anonymous = await modernPost(gw.url, { method: 'tools/list' });
    expect(anonymous.status).toBe(401);
    const mine = (await rpcOf(await modernPost(gw.url, { token: dockerOnly, method: 'tools/list' }))).result;
    expect(mine.tools.map((t: { name: string }) => t.name)).not.toContain('system_status');
    const call = await rpcOf(
      await modernPost(gw.url, {
        token: dockerOnly,
        method: 'tools/call',
        params: { name: 'system_status', arguments: {} },
      }),
    );
    expect(call.result.isError).toBe(true);
    expect(call.result.content[0].text).toContain('ERR_PERMISSION_DENIED');
  });

  it('answers removed methods with 404 and -32601, keeping the id', async () => {
    for (const method of ['ping', 'logging/setLevel']) {
      const res = await modernPost(gw.url, { token: viewer, method, id: `id-${method}` });
      expect(res.status, method).toBe(404);
      const body = await rpcOf(res);
      expect(body.error.code).toBe(-32601);
      expect(body.id).toBe(`id-${method}`);
    }
  });

  it('refuses a request whose Mcp-Method header does not match its body (-32020)', async () => {
    const res = await modernPost(gw.url, {
      token: viewer,
      method: 'tools/list',
      headers: { 'mcp-method': 'prompts/list' },
    });
    expect(res.status).toBe(400);
    expect((await rpcOf(res)).error.code).toBe(-32020);
    const wrongName = await modernPost(gw.url, {
      token: viewer,
      method: 'tools/call',
      params: { name: 'test_echo', arguments: { text: 'x' } },
      headers: { 'mcp-name': 'system_status' },
    });
    expect(wrongName.status).toBe(400);
    expect((await rpcOf(wrongName)).error.code).toBe(-32020);
  });

  it('answers an unknown (or unreadable) resource with -32602 and the uri, never empty contents', async () => {
    for (const [token, uri] of [
      [viewer, 'tailwarden://nope'],
      [dockerOnly, 'tailwarden://counter'],
    ] as const) {
      const body = await rpcOf(
        await modernPost(gw.url, { token, method: 'resources/read', params: { uri } }),
      );
      expect(body.error.code).toBe(-32602);
      expect(body.error.data).toEqual({ uri });
    }
  });

  it('announces list changes on a config reload and resource updates after a change, to listening callers', async () => {
    const client = await gw.modernClient(operator);
    const seen: string[] = [];
    const toolsChanged = new Promise<void>((resolve) =>
      client.setNotificationHandler('notifications/tools/list_changed', async () => {
        seen.push('tools');
        resolve();
      }),
    );
    const updated = new Promise<string>((resolve) =>
      client.setNotificationHandler('notifications/resources/updated', async (n) => {
        seen.push(`updated ${n.params.uri}`);
        resolve(n.params.uri);
      }),
    );
    const subscription = await client.listen({
      toolsListChanged: true,
      resourceSubscriptions: ['tailwarden://counter'],
    });
    expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
    process.emit('SIGHUP', 'SIGHUP');
    await toolsChanged;
    await client.callTool({ name: 'counter_value_bump', arguments: {} });
    expect(await updated).toBe('tailwarden://counter');
    await subscription.close();
    expect(seen).toEqual(['tools', 'updated tailwarden://counter']);
  });

  it('bounds listen streams per caller and refuses to watch resources the caller cannot read', async () => {
    const client = await gw.modernClient(viewer);
    const a = await client.listen({ toolsListChanged: true });
    const b = await client.listen({ toolsListChanged: true });
    await expect(client.listen({ toolsListChanged: true })).rejects.toThrow(/max_listen_per_principal/);
    // Another caller is not affected by this one's streams.
    const other = await gw.modernClient(operator);
    const c = await other.listen({ toolsListChanged: true });
    await Promise.all([a.close(), b.close(), c.close()]);
    await expect(a.closed).resolves.toBe('local');

    const stranger = await gw.modernClient(dockerOnly);
    await expect(stranger.listen({ resourceSubscriptions: ['tailwarden://counter'] })).rejects.toThrow(
      /Unknown resource/,
    );
  });
});

describe('listen streams end after http.session_idle_timeout, so credentials are checked again', () => {
  it('closes an open stream from the server side once its time is up', { timeout: 120_000 }, async () => {
    const gw = await startTestGateway({
      modules: [testModule],
      config: { http: { session_idle_timeout: '1s' } },
    });
    try {
      const client = await gw.modernClient(await gw.token({ role: 'viewer' }));
      const subscription = await client.listen({ toolsListChanged: true });
      expect(await subscription.closed).toBe('remote');
    } finally {
      await gw.close();
    }
  });
});

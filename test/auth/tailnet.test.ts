import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';
import { INITIALIZE, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

const CAPABILITY = 'example.com/cap/tailwarden';

/** A full MCP exchange through the gateway's HTTP stack, as if from `remoteAddress`. */
async function mcpFrom(gw: TestGateway, remoteAddress: string, headers: Record<string, string> = {}) {
  const common = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    ...headers,
  };
  const init = await gw.app.inject({
    method: 'POST',
    url: '/mcp',
    remoteAddress,
    headers: common,
    payload: INITIALIZE,
  });
  if (init.statusCode !== 200) return { status: init.statusCode, body: init.json(), tools: [] as string[] };
  const session = init.headers['mcp-session-id'] as string;
  const base = { ...common, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  await gw.app.inject({
    method: 'POST',
    url: '/mcp',
    remoteAddress,
    headers: base,
    payload: { jsonrpc: '2.0', method: 'notifications/initialized' },
  });
  const list = await gw.app.inject({
    method: 'POST',
    url: '/mcp',
    remoteAddress,
    headers: base,
    payload: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  });
  const text = list.body;
  const json = JSON.parse(text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}'));
  return { status: 200, body: json, tools: (json.result?.tools ?? []).map((t: { name: string }) => t.name) };
}

describe('tailnet mode: WhoIs through the local tailscaled', () => {
  let fake: FakeTailscaled;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startFakeTailscaled();
    gw = await startTestGateway({
      modules: [testModule],
      config: {
        rate_limit: { auth_failures: 10_000 },
        auth: {
          modes: ['tailnet', 'token'],
          tailnet: { socket: fake.socketPath, capability: CAPABILITY, cache_ttl: '1h', timeout: '30s' },
          groups: { 'tag:server': ['viewer'] },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.failWith = undefined;
  });

  it('identifies a user by address and merges every capability grant (viewer + operator)', async () => {
    const result = await mcpFrom(gw, '100.64.0.20');
    expect(result.status).toBe(200);
    expect(result.tools).toContain('test_thing_restart'); // operator, from the second grant object
    expect(result.tools).not.toContain('test_thing_wipe');
    const whois = fake.requests.filter((r) => r.url.startsWith('/localapi/v0/whois'));
    expect(whois.at(-1)!.url).toContain('addr=100.64.0.20');
  });

  it('identifies a tagged node by its tags, mapped through auth.groups', async () => {
    const result = await mcpFrom(gw, '100.64.0.30');
    expect(result.status).toBe(200);
    expect(result.tools).toContain('test_echo');
    expect(result.tools).not.toContain('test_thing_restart');
  });

  it('takes permissions from the grant as well as roles', async () => {
    fake.whois['100.64.0.40'] = {
      Node: { ID: 40, StableID: 'nPERM', ComputedName: 'perm-box', Tags: null },
      UserProfile: { LoginName: 'hana@example.com', DisplayName: 'Hana' },
      CapMap: { [CAPABILITY]: [{ permissions: ['system:admin', 'not:a-permission'] }] },
    };
    const result = await mcpFrom(gw, '100.64.0.40');
    expect(result.tools).toContain('test_thing_wipe');
  });

  it('answers an address tailscaled does not know with 401', async () => {
    const result = await mcpFrom(gw, '100.64.9.9');
    expect(result.status).toBe(401);
  });

  it('gives a tailnet user without any grant a 403 that names the capability to grant', async () => {
    fake.whois['100.64.0.50'] = {
      Node: { ID: 50, StableID: 'nNONE', ComputedName: 'none', Tags: null },
      UserProfile: { LoginName: 'ivan@example.com', DisplayName: 'Ivan' },
      CapMap: {},
    };
    const result = await mcpFrom(gw, '100.64.0.50');
    expect(result.status).toBe(403);
    expect(result.body.error_description).toContain(CAPABILITY);
    expect(result.body.error_description).toContain('ivan@example.com');
  });

  it('ignores Tailscale-User-Login from a non-loopback peer (spoofing) and from loopback when not behind serve', async () => {
    const spoofed = await mcpFrom(gw, '192.0.2.10', { 'tailscale-user-login': 'bob@example.com' });
    expect(spoofed.status).toBe(401);
    const local = await mcpFrom(gw, '127.0.0.1', { 'tailscale-user-login': 'bob@example.com' });
    expect(local.status).toBe(401);
    // From a tailnet address the header changes nothing: WhoIs decides.
    const tagged = await mcpFrom(gw, '100.64.0.30', { 'tailscale-user-login': 'bob@example.com' });
    expect(tagged.tools).not.toContain('test_thing_restart');
  });

  it('answers 503 when tailscaled cannot be asked, and recovers', async () => {
    fake.whois['100.64.0.60'] = fake.whois['100.64.0.20']!; // an address not cached yet
    fake.failWith = 500;
    const down = await mcpFrom(gw, '100.64.0.60');
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('ERR_AUTH_UNAVAILABLE');
    fake.failWith = undefined;
    expect((await mcpFrom(gw, '100.64.0.60')).status).toBe(200);
  });

  it('caches WhoIs answers per address', async () => {
    fake.failWith = undefined;
    await mcpFrom(gw, '100.64.0.30');
    const before = fake.requests.length;
    await Promise.all([mcpFrom(gw, '100.64.0.30'), mcpFrom(gw, '100.64.0.30')]);
    expect(fake.requests.length - before).toBe(0);
  });
});

describe('tailnet mode behind tailscale serve', () => {
  it('trusts Tailscale-User-Login from a loopback peer when configured', async () => {
    const fake = await startFakeTailscaled();
    const gw = await startTestGateway({
      modules: [testModule],
      config: {
        auth: {
          modes: ['tailnet'],
          tailnet: { socket: fake.socketPath, capability: CAPABILITY, behind_serve: true },
          users: { 'bob@example.com': ['operator'] },
        },
      },
    });
    try {
      const served = await mcpFrom(gw, '127.0.0.1', { 'tailscale-user-login': 'bob@example.com' });
      expect(served.tools).toContain('test_thing_restart');
      const spoofed = await mcpFrom(gw, '192.0.2.10', { 'tailscale-user-login': 'bob@example.com' });
      expect(spoofed.status).toBe(401);
    } finally {
      await gw.close();
      await fake.close();
    }
  });
});

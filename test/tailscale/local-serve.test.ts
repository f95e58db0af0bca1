import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../fakes/tailscaled.ts';
import { call, startTailscaleHarness, type TailscaleHarness } from './support.ts';

describe('tailscale local and serve/funnel tools', () => {
  let h: TailscaleHarness;
  const host = 'gateway.tail1234.ts.net';

  beforeAll(async () => {
    // The gateway "listens" where the fixture's serve config proxies "/" to.
    h = await startTailscaleHarness({}, { listen: '127.0.0.1:8080' });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.tailscaled.serveConfig = fixture('serve-config.json');
    h.tailscaled.status = fixture('status.json');
    h.tailscaled.failWith = undefined;
  });

  it('reports local status without the login URL', async () => {
    h.tailscaled.status = { ...fixture('status.json'), AuthURL: 'https://login.tailscale.com/a/secret123' };
    const { data, text } = await call(h.adminClient, 'tailscale_status');
    expect(data).toMatchObject({
      backend_state: 'Running',
      update_available: '1.92.1',
      self: { id: 'nGW1CNTRL', fqdn: host, tags: ['tag:server'] },
      tailnet: { magic_dns_suffix: 'tail1234.ts.net', magic_dns_enabled: true },
      needs_login: true,
      peers: { total: 2, online: 1 },
    });
    expect(data.health).toHaveLength(1);
    expect(text).not.toContain('secret123');
  });

  it('lists peers with owner and direct vs relay', async () => {
    const { data } = await call(h.adminClient, 'tailscale_peers');
    expect(data.peers).toMatchObject([
      { name: 'alice-laptop', user: 'bob@example.com', connection: 'direct', endpoint: '192.0.2.10:41641' },
      { name: 'nas', connection: 'offline', exit_node_option: true, routes: ['192.168.1.0/24'] },
    ]);
    const online = await call(h.adminClient, 'tailscale_peers', { online: true, format: 'toon' });
    expect(online.data.count).toBe(1);
    expect(online.text).toContain('alice-laptop');
  });

  it('answers whois and refuses a non-address', async () => {
    const { data } = await call(h.adminClient, 'tailscale_whois', { address: '100.64.0.20' });
    expect(data).toMatchObject({ node_id: 'nLAPTOP1', login_name: 'bob@example.com' });
    const bad = await call(h.adminClient, 'tailscale_whois', { address: 'example.com; rm -rf /' });
    expect(bad.text).toContain('ERR_INPUT_REJECTED');
    const nobody = await call(h.adminClient, 'tailscale_whois', { address: '100.99.0.1' });
    expect(nobody.text).toContain('ERR_NOT_FOUND');
  });

  it('says tailscaled is down when the LocalAPI fails', async () => {
    h.tailscaled.failWith = 503;
    const { isError, text } = await call(h.adminClient, 'tailscale_status');
    expect(isError).toBe(true);
    expect(text).toContain('ERR_UPSTREAM_FAILED');
  });

  it('shows serve status and serves a new path, writing with the ETag', async () => {
    const before = await call(h.adminClient, 'tailscale_serve_status');
    expect(before.data.mappings).toEqual([
      { host, port: 443, path: '/', target: 'http://127.0.0.1:8080', funnel: false },
    ]);
    const { data } = await call(h.adminClient, 'tailscale_serve_enable', {
      local_port: 3000,
      path: '/grafana',
    });
    expect(data.mappings).toContainEqual({
      host,
      port: 443,
      path: '/grafana',
      target: 'http://127.0.0.1:3000',
      funnel: false,
    });
    const write = h.tailscaled.requests.findLast((r) => r.method === 'POST')!;
    expect(write.headers['if-match']).toMatch(/^"/);
    expect(
      (h.tailscaled.serveConfig.Web as Record<string, { Handlers: object }>)[`${host}:443`]!.Handlers,
    ).toHaveProperty('/grafana');
  });

  it("refuses to overwrite an existing mapping without replace, and never the gateway's own", async () => {
    await call(h.adminClient, 'tailscale_serve_enable', { local_port: 3000, path: '/grafana' });
    const clash = await call(h.adminClient, 'tailscale_serve_enable', { local_port: 4000, path: '/grafana' });
    expect(clash.text).toContain('ERR_CONFLICT');
    expect(clash.text).toContain('replace: true');
    const own = await call(h.adminClient, 'tailscale_serve_enable', {
      local_port: 9999,
      path: '/',
      replace: true,
    });
    expect(own.text).toContain('ERR_POLICY_DENIED');
    const removeOwn = await call(h.adminClient, 'tailscale_serve_disable', { path: '/' });
    expect(removeOwn.text).toContain('ERR_POLICY_DENIED');
  });

  it('funnel needs a served port, and turning it off keeps the tailnet mapping', async () => {
    const none = await call(h.adminClient, 'tailscale_funnel_enable', { https_port: 8443 });
    expect(none.text).toContain('tailscale_serve_enable first');
    await call(h.adminClient, 'tailscale_serve_enable', { local_port: 3000, https_port: 8443 });
    const on = await call(h.adminClient, 'tailscale_funnel_enable', { https_port: 8443 });
    expect(on.data.mappings).toContainEqual({
      host,
      port: 8443,
      path: '/',
      target: 'http://127.0.0.1:3000',
      funnel: true,
    });
    expect(h.tailscaled.serveConfig.AllowFunnel).toEqual({ [`${host}:8443`]: true });
    const off = await call(h.adminClient, 'tailscale_funnel_disable', { https_port: 8443 });
    expect(off.data.mappings).toContainEqual({
      host,
      port: 8443,
      path: '/',
      target: 'http://127.0.0.1:3000',
      funnel: false,
    });
    const gone = await call(h.adminClient, 'tailscale_serve_disable', { https_port: 8443 });
    expect((gone.data.mappings as { port: number }[]).some((m) => m.port === 8443)).toBe(false);
    expect(h.tailscaled.serveConfig.TCP).not.toHaveProperty('8443');
  });

  it('marks funnel enable critical and admin-only', async () => {
    const operator = await h.gateway.client(await h.gateway.token({ role: 'operator' }));
    const tools = (await operator.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('tailscale_serve_enable');
    expect(tools).not.toContain('tailscale_funnel_enable');
  });

  it('parses a sparse or odd status defensively', async () => {
    h.tailscaled.status = {
      BackendState: 'NeedsLogin',
      Self: 'not an object',
      Peer: null,
      Health: [1, 'DNS broken'],
    };
    const { data, isError } = await call(h.adminClient, 'tailscale_status');
    expect(isError).toBe(false);
    expect(data).toMatchObject({
      backend_state: 'NeedsLogin',
      needs_login: true,
      self: { id: '', addresses: [] },
      health: ['DNS broken'],
      peers: { total: 0, online: 0 },
    });
    expect(data).not.toHaveProperty('update_available'); // none known: absent, not a placeholder
  });

  it('reports module health without calling the admin API', async () => {
    const before = h.admin.requests.length;
    const health = await h.gateway.gateway.health();
    expect(health['module.tailscale']).toMatchObject({ status: 'ok' });
    expect(h.admin.requests.length).toBe(before);
  });
});

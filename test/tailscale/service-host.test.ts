import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultPrefs, fixture } from '../fakes/tailscaled.ts';
import { call, startTailscaleHarness, type TailscaleHarness } from './support.ts';

describe('this node as a Tailscale Service host (LocalAPI serve config + AdvertiseServices)', () => {
  let h: TailscaleHarness;
  const gatewayMapping = fixture('serve-config.json').Web;

  beforeAll(async () => {
    h = await startTailscaleHarness({}, { listen: '127.0.0.1:8080' });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.tailscaled.serveConfig = fixture('serve-config.json');
    h.tailscaled.status = fixture('status.json');
    h.tailscaled.prefs = defaultPrefs();
    h.tailscaled.requests = [];
  });

  const services = () => h.tailscaled.serveConfig.Services as Record<string, Record<string, unknown>>;

  it('serves a Service as `tailscale serve --service` does: its own map, the ETag, then advertises it', async () => {
    const served = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 3000,
    });
    expect(served.isError).toBe(false);
    expect(served.data.service).toEqual({
      name: 'svc:grafana',
      advertised: true,
      tun: false,
      endpoints: [{ port: 443, protocol: 'https', path: '/', target: 'http://127.0.0.1:3000' }],
    });
    expect(services()['svc:grafana']).toEqual({
      TCP: { '443': { HTTPS: true } },
      Web: { 'grafana.tail1234.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } },
    });
    // The node's own mapping (the gateway's) is untouched.
    expect(h.tailscaled.serveConfig.Web).toEqual(gatewayMapping);
    const write = h.tailscaled.requests.find((r) => r.method === 'POST')!;
    expect(write.headers['if-match']).toMatch(/^"/);
    expect(h.tailscaled.prefs.AdvertiseServices).toEqual(['svc:grafana']);
    expect(h.tailscaled.prefs.AdvertiseRoutes).toBeNull();

    const tcp = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'svc:grafana',
      local_port: 5432,
      protocol: 'tcp',
      port: 5432,
    });
    expect((tcp.data.service as { endpoints: unknown[] }).endpoints).toContainEqual({
      port: 5432,
      protocol: 'tcp',
      path: '',
      target: '127.0.0.1:5432',
    });
    const status = await call(h.adminClient, 'tailscale_serve_status');
    expect(status.data.services).toHaveLength(1);
    expect(status.data.mappings).toHaveLength(1);
  });

  it('refuses clashes: another target without replace, another protocol on the port, tcp without a port', async () => {
    await call(h.adminClient, 'tailscale_service_serve', { service: 'grafana', local_port: 3000 });
    const clash = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 4000,
    });
    expect(clash.text).toContain('ERR_CONFLICT');
    expect(clash.text).toContain('replace: true');
    const replaced = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 4000,
      replace: true,
    });
    expect(replaced.isError).toBe(false);
    const http = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 3000,
      protocol: 'http',
      port: 443,
    });
    expect(http.text).toContain('already serves https');
    const noPort = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 3000,
      protocol: 'tcp',
    });
    expect(noPort.text).toContain('needs port');
  });

  it('needs a tagged node', async () => {
    h.tailscaled.status = {
      ...fixture('status.json'),
      Self: { ...(fixture('status.json').Self as object), Tags: [] },
    };
    const refused = await call(h.adminClient, 'tailscale_service_serve', {
      service: 'grafana',
      local_port: 3000,
    });
    expect(refused.text).toContain('Only a tagged node can host');
    expect(h.tailscaled.serveConfig.Services).toBeUndefined();
  });

  it('drains, advertises again, and clears only after a drain', async () => {
    await call(h.adminClient, 'tailscale_service_serve', { service: 'grafana', local_port: 3000 });
    const early = await call(h.adminClient, 'tailscale_service_clear', { service: 'grafana' });
    expect(early.text).toContain('drain it first');
    const drained = await call(h.adminClient, 'tailscale_service_drain', { service: 'grafana' });
    expect(drained.data.service).toMatchObject({ advertised: false });
    expect(h.tailscaled.prefs.AdvertiseServices).toEqual([]);
    expect(services()['svc:grafana']).toBeDefined();
    const again = await call(h.adminClient, 'tailscale_service_drain', { service: 'grafana' });
    expect(again.text).toContain('does not advertise');
    const back = await call(h.adminClient, 'tailscale_service_advertise', { service: 'grafana' });
    expect(back.data.service).toMatchObject({ advertised: true });
    await call(h.adminClient, 'tailscale_service_drain', { service: 'grafana' });
    const cleared = await call(h.adminClient, 'tailscale_service_clear', { service: 'grafana' });
    expect(cleared.data.service).toEqual({
      name: 'svc:grafana',
      advertised: false,
      tun: false,
      endpoints: [],
    });
    expect(services()).toEqual({});
    const unknown = await call(h.adminClient, 'tailscale_service_advertise', { service: 'wiki' });
    expect(unknown.text).toContain('no configuration for svc:wiki');
  });

  it("never drains, clears or redirects a Service that forwards to the gateway's own listener", async () => {
    h.tailscaled.serveConfig = {
      ...fixture('serve-config.json'),
      Services: {
        'svc:tailwarden': {
          TCP: { '443': { HTTPS: true } },
          Web: {
            'tailwarden.tail1234.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:8080' } } },
          },
        },
      },
    };
    h.tailscaled.prefs = { ...defaultPrefs(), AdvertiseServices: ['svc:tailwarden'] };
    for (const [tool, args] of [
      ['tailscale_service_drain', {}],
      ['tailscale_service_clear', {}],
      ['tailscale_service_serve', { local_port: 9999, replace: true }],
    ] as const) {
      const refused = await call(h.adminClient, tool, { service: 'tailwarden', ...args });
      expect(refused.text, tool).toContain('ERR_POLICY_DENIED');
    }
    expect(h.tailscaled.prefs.AdvertiseServices).toEqual(['svc:tailwarden']);
    expect(h.tailscaled.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

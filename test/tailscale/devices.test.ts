import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixtureState } from '../fakes/tailscale-admin-state.ts';
import { call, startTailscaleHarness, type TailscaleHarness } from './support.ts';

describe('tailscale device and route tools', () => {
  let h: TailscaleHarness;

  beforeAll(async () => {
    h = await startTailscaleHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.admin.state = loadFixtureState();
    h.admin.failures = [];
  });

  const names = (data: Record<string, unknown>) => (data.devices as { name: string }[]).map((d) => d.name);

  it('lists devices with default fields', async () => {
    const { data, isError } = await call(h.adminClient, 'tailscale_devices_list');
    expect(isError).toBe(false);
    expect(data.total).toBe(8);
    expect(Object.keys((data.devices as object[])[0]!).sort()).toEqual(
      ['addresses', 'days_since_seen', 'id', 'name', 'online', 'os', 'tags', 'user'].sort(),
    );
  });

  it('filters: not seen for 30 days, os, tag, update available, key expiring, exit node, pending routes', async () => {
    const stale = await call(h.adminClient, 'tailscale_devices_list', { not_seen_days: 30 });
    expect(names(stale.data)).toEqual(['nas', 'old-pi']);
    const linuxServers = await call(h.adminClient, 'tailscale_devices_list', {
      os: 'LINUX',
      tag: 'tag:server',
    });
    expect(names(linuxServers.data)).toEqual(['gateway', 'nas']);
    const outdated = await call(h.adminClient, 'tailscale_devices_list', { update_available: true });
    expect(names(outdated.data)).toEqual(['nas', 'old-pi']);
    const expiring = await call(h.adminClient, 'tailscale_devices_list', { key_expiring_days: 14 });
    expect(names(expiring.data)).toEqual(['nas']);
    const noExpiry = await call(h.adminClient, 'tailscale_devices_list', { key_expiry_disabled: true });
    expect(names(noExpiry.data)).toEqual(['gateway', 'old-pi']);
    const exits = await call(h.adminClient, 'tailscale_devices_list', { exit_node: true });
    expect(names(exits.data)).toEqual(['nas']);
    const pending = await call(h.adminClient, 'tailscale_devices_list', {
      routes_pending: true,
      fields: ['name', 'advertised_routes', 'enabled_routes'],
    });
    expect(pending.data.devices).toEqual([
      {
        name: 'nas',
        advertised_routes: ['192.168.1.0/24', '0.0.0.0/0', '::/0'],
        enabled_routes: ['192.168.1.0/24'],
      },
      {
        name: 'router',
        advertised_routes: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'],
        enabled_routes: ['10.0.2.0/24'],
      },
    ]);
    const offlineBob = await call(h.adminClient, 'tailscale_devices_list', {
      user: 'bob@example.com',
      online: false,
    });
    expect(names(offlineBob.data)).toEqual(['pixel']);
  });

  it('renders TOON when asked, with the same structured content', async () => {
    const json = await call(h.adminClient, 'tailscale_devices_list', {
      fields: ['id', 'name', 'os', 'online'],
    });
    const toon = await call(h.adminClient, 'tailscale_devices_list', {
      fields: ['id', 'name', 'os', 'online'],
      format: 'toon',
    });
    expect(toon.data).toEqual(json.data);
    expect(toon.text).toContain('devices[8]{id,name,os,online}:');
    expect(toon.text.length).toBeLessThan(json.text.length * 0.6);
  });

  it('refuses an unknown field and a malformed tag with a clear message', async () => {
    const bad = await call(h.adminClient, 'tailscale_devices_list', { fields: ['password'] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('ERR_INPUT_REJECTED');
    const tag = await call(h.adminClient, 'tailscale_devices_list', { tag: 'server' });
    expect(tag.text).toContain('tag');
  });

  it('gets a device by name or id, and says when it does not exist', async () => {
    const byName = await call(h.adminClient, 'tailscale_device_get', { device: 'nas' });
    expect(byName.data).toMatchObject({
      id: 'nNAS00001',
      fqdn: 'nas.tail1234.ts.net',
      exit_node: true,
      online: false,
    });
    const byId = await call(h.adminClient, 'tailscale_device_get', { device: 'nROUTER01' });
    expect(byId.data.name).toBe('router');
    const missing = await call(h.adminClient, 'tailscale_device_get', { device: 'nNOSUCH01' });
    expect(missing.text).toContain('ERR_NOT_FOUND');
    expect(missing.text).toContain('tailscale_devices_list');
  });

  it('enables routes additively: read, merge, write', async () => {
    const { data, isError } = await call(h.adminClient, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['10.0.0.0/24'],
    });
    expect(isError).toBe(false);
    expect(data.enabled).toEqual(['10.0.2.0/24', '10.0.0.0/24']);
    expect(data.added).toEqual(['10.0.0.0/24']);
    expect(data.removed).toEqual([]);
    expect(data.pending).toEqual(['10.0.1.0/24']);
    const writes = h.admin.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/routes'));
    expect(JSON.parse(writes.at(-1)!.body)).toEqual({ routes: ['10.0.2.0/24', '10.0.0.0/24'] });
  });

  it('replaces the enabled set only when asked to', async () => {
    const { data } = await call(h.adminClient, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['10.0.1.0/24'],
      replace: true,
    });
    expect(data.enabled).toEqual(['10.0.1.0/24']);
    expect(data.removed).toEqual(['10.0.2.0/24']);
  });

  it('refuses routes the device does not advertise, and malformed prefixes', async () => {
    const notAdvertised = await call(h.adminClient, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['172.16.0.0/12'],
    });
    expect(notAdvertised.text).toContain('does not advertise 172.16.0.0/12');
    const malformed = await call(h.adminClient, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['10.0.0.0/33'],
    });
    expect(malformed.text).toContain('CIDR');
    expect(h.admin.state.devices.find((d) => d.nodeId === 'nROUTER01')!.enabledRoutes).toEqual([
      '10.0.2.0/24',
    ]);
  });

  it('disables only the routes named', async () => {
    await call(h.adminClient, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['10.0.0.0/24', '10.0.1.0/24'],
    });
    const { data } = await call(h.adminClient, 'tailscale_routes_disable', {
      device: 'nROUTER01',
      routes: ['10.0.1.0/24'],
    });
    expect(data.enabled).toEqual(['10.0.2.0/24', '10.0.0.0/24']);
    expect(data.removed).toEqual(['10.0.1.0/24']);
  });

  it('authorizes, tags, renames and sets key expiry', async () => {
    expect(
      (await call(h.adminClient, 'tailscale_device_authorize', { device: 'new-server' })).data,
    ).toMatchObject({
      device: { authorized: true },
    });
    const tagged = await call(h.adminClient, 'tailscale_device_tags_set', {
      device: 'new-server',
      tags: ['tag:server'],
    });
    expect(tagged.data).toMatchObject({ device: { tags: ['tag:server'] } });
    const renamed = await call(h.adminClient, 'tailscale_device_rename', {
      device: 'nNEWSRV01',
      name: 'db1',
    });
    expect(renamed.data).toMatchObject({ device: { name: 'db1' } });
    const expiry = await call(h.adminClient, 'tailscale_device_key_expiry_set', { device: 'nNEWSRV01' });
    expect(expiry.data).toMatchObject({ device: { key_expiry_disabled: true } });
    expect(expiry.data.device).not.toHaveProperty('key_expires');
  });

  it("refuses to delete, expire, deauthorize, rename or retag the gateway's own node", async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['tailscale_device_delete', {}],
      ['tailscale_device_key_expire', {}],
      ['tailscale_device_deauthorize', {}],
      ['tailscale_device_rename', { name: 'other' }],
      ['tailscale_device_tags_set', { tags: ['tag:router'] }],
    ];
    for (const [tool, extra] of cases) {
      const answer = await call(h.adminClient, tool, { device: 'gateway', ...extra });
      expect(answer.text).toContain('ERR_POLICY_DENIED');
      expect(answer.text).toContain('cut the gateway off');
    }
    expect(h.admin.state.devices).toHaveLength(8);
    expect(h.admin.state.devices[0]).toMatchObject({ name: 'gateway.tail1234.ts.net', tags: ['tag:server'] });
    const deleted = await call(h.adminClient, 'tailscale_device_delete', { device: 'old-pi' });
    expect(deleted.data).toEqual({ deleted: 'nOLDPI001' });
    expect(h.admin.state.devices).toHaveLength(7);
  });

  it('keeps write tools from a viewer and audits decisions without secrets', async () => {
    const viewer = await h.gateway.client(await h.gateway.token({ role: 'viewer' }));
    const denied = await call(viewer, 'tailscale_routes_enable', {
      device: 'router',
      routes: ['10.0.0.0/24'],
    });
    expect(denied.text).toContain('ERR_PERMISSION_DENIED');
    const listed = await viewer.listTools();
    const visible = listed.tools.map((t) => t.name);
    expect(visible).toContain('tailscale_devices_list');
    expect(visible).not.toContain('tailscale_device_delete');
    const del = listed.tools.find((t) => t.name === 'tailscale_devices_list')!;
    expect(del.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
    const records = await h.gateway.auditRecords();
    expect(records.some((r) => r.tool === 'tailscale_routes_enable' && r.decision === 'denied')).toBe(true);
    const all = JSON.stringify(records) + JSON.stringify(h.gateway.logs);
    expect(all).not.toContain('tskey-api-');
  });

  it('maps an upstream 403 (missing scope) to an error result naming the scope', async () => {
    h.admin.failures.push({ status: 403, times: 1, path: /\/routes$/ });
    const answer = await call(h.adminClient, 'tailscale_routes_get', { device: 'nROUTER01' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('admin role');
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditTailnet } from '../../src/modules/tailscale/audit.ts';
import { normalizeDevice } from '../../src/modules/tailscale/device-model.ts';
import { generateDevices } from '../fakes/tailnet-generator.ts';
import { loadFixtureState } from '../fakes/tailscale-admin-state.ts';
import { call, startTailscaleHarness, type TailscaleHarness } from './support.ts';

describe('tailscale DNS, policy, keys and audit tools', () => {
  let h: TailscaleHarness;

  beforeAll(async () => {
    h = await startTailscaleHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.admin.state = loadFixtureState();
    h.admin.failures = [];
  });

  it('reads all DNS settings and adds a split-DNS entry without touching the others', async () => {
    const before = await call(h.adminClient, 'tailscale_dns_get');
    expect(before.data).toEqual({
      nameservers: ['1.1.1.1', '9.9.9.9'],
      magic_dns: true,
      search_paths: ['corp.example.com'],
      split_dns: { 'home.example.com': ['192.168.1.1'] },
    });
    const added = await call(h.adminClient, 'tailscale_dns_split_set', {
      domain: 'home.arpa',
      nameservers: ['192.168.1.53'],
    });
    expect(added.data.split_dns).toEqual({
      'home.example.com': ['192.168.1.1'],
      'home.arpa': ['192.168.1.53'],
    });
    const removed = await call(h.adminClient, 'tailscale_dns_split_remove', { domain: 'home.example.com' });
    expect(removed.data.split_dns).toEqual({ 'home.arpa': ['192.168.1.53'] });
    const ns = await call(h.adminClient, 'tailscale_dns_nameservers_set', {
      nameservers: ['8.8.8.8', '2001:4860:4860::8888'],
    });
    expect(ns.data.nameservers).toEqual(['8.8.8.8', '2001:4860:4860::8888']);
    const magic = await call(h.adminClient, 'tailscale_dns_magicdns_set', { enabled: false });
    expect(magic.data.magic_dns).toBe(false);
    const search = await call(h.adminClient, 'tailscale_dns_searchpaths_set', {
      search_paths: ['home.arpa'],
    });
    expect(search.data.search_paths).toEqual(['home.arpa']);
    const bad = await call(h.adminClient, 'tailscale_dns_split_set', {
      domain: 'home.arpa',
      nameservers: ['not-an-ip'],
    });
    expect(bad.text).toContain('IPv4 or IPv6');
  });

  it('gets the policy file as HuJSON with comments and its ETag', async () => {
    const { data } = await call(h.adminClient, 'tailscale_policy_get');
    expect(data.policy).toContain('// Admins reach everything.');
    expect(data.etag).toBe(h.admin.policyEtag());
  });

  it('validates and previews without changing anything', async () => {
    const bad = await call(h.adminClient, 'tailscale_policy_validate', {
      policy: '{"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:nope:22"]}]}',
    });
    expect(bad.data.valid).toBe(false);
    expect(JSON.stringify(bad.data.problems)).toContain('tag:nope');
    const broken = await call(h.adminClient, 'tailscale_policy_validate', { policy: '{"acls": [' });
    expect(broken.data.valid).toBe(false);
    const preview = await call(h.adminClient, 'tailscale_policy_preview', {
      type: 'user',
      preview_for: 'bob@example.com',
    });
    expect(preview.data.matches).toEqual([
      { users: ['bob@example.com'], ports: ['tag:server:80,443'], lineNumber: 2 },
    ]);
  });

  it('updates the policy only after validation and with the ETag, keeps the old file, and rolls back', async () => {
    const original = h.admin.state.policy;
    const { data: current } = await call(h.adminClient, 'tailscale_policy_get');
    const edited = (current.policy as string).replace('"tag:server:80,443"', '"tag:server:80,443,445"');

    const invalid = await call(h.adminClient, 'tailscale_policy_update', {
      policy: '{"bogus": 1}',
      etag: current.etag,
    });
    expect(invalid.text).toContain('does not validate');
    expect(h.admin.state.policy).toBe(original);

    const stale = await call(h.adminClient, 'tailscale_policy_update', { policy: edited, etag: '"old"' });
    expect(stale.text).toContain('ERR_CONFLICT');

    const updated = await call(h.adminClient, 'tailscale_policy_update', {
      policy: edited,
      etag: current.etag,
    });
    expect(updated.isError).toBe(false);
    expect(h.admin.state.policy).toBe(edited);
    expect(updated.data.etag).toBe(h.admin.policyEtag());
    const write = h.admin.requests.findLast((r) => r.method === 'POST' && r.url.endsWith('/acl'))!;
    expect(write.headers['if-match']).toBe(current.etag);
    expect(write.headers['content-type']).toContain('application/hujson');
    const validations = h.admin.requests.filter((r) => r.url.endsWith('/acl/validate'));
    expect(validations.length).toBeGreaterThanOrEqual(2);

    const { data: versions } = await call(h.adminClient, 'tailscale_policy_versions');
    const kept = (versions.versions as { id: number; etag: string }[])[0]!;
    expect(kept.id).toBe(updated.data.previous_version);
    expect(kept.etag).toBe(current.etag);

    const rollback = await call(h.adminClient, 'tailscale_policy_rollback', {
      version: kept.id,
      etag: updated.data.etag,
    });
    expect(rollback.isError).toBe(false);
    expect(h.admin.state.policy).toBe(original);
    const after = await call(h.adminClient, 'tailscale_policy_versions');
    expect(after.data.versions).toHaveLength(2); // the rollback kept what it replaced too

    const missing = await call(h.adminClient, 'tailscale_policy_rollback', {
      version: 999,
      etag: h.admin.policyEtag(),
    });
    expect(missing.text).toContain('ERR_NOT_FOUND');
  });

  it('loses no concurrent change: a write that races another gets 412 and keeps no version', async () => {
    const { data: current } = await call(h.adminClient, 'tailscale_policy_get');
    const { data: before } = await call(h.adminClient, 'tailscale_policy_versions');
    // Another admin changes the file between our read and our write: fail the write with 412 as the API would.
    h.admin.failures.push({
      status: 412,
      times: 1,
      path: /\/acl$/,
      message: 'precondition failed, invalid old hash',
    });
    const raced = await call(h.adminClient, 'tailscale_policy_update', {
      policy: current.policy,
      etag: current.etag,
    });
    expect(raced.text).toContain('ERR_CONFLICT');
    expect(raced.text).toContain('ETag');
    const { data: afterRace } = await call(h.adminClient, 'tailscale_policy_versions');
    expect(afterRace.versions).toEqual(before.versions);
  });

  it('lists auth keys with expiry, and creates one whose secret is returned but never audited or logged', async () => {
    const list = await call(h.adminClient, 'tailscale_keys_list', { expiring_days: 14 });
    expect(list.data.keys).toMatchObject([
      { id: 'kAUTH00001', preauthorized: true, tags: ['tag:router'], days_until_expiry: 4 },
    ]);
    const created = await call(h.adminClient, 'tailscale_key_create', {
      description: 'nas rebuild',
      preauthorized: true,
      tags: ['tag:server'],
      expiry_days: 1,
    });
    const secret = created.data.key as string;
    expect(secret).toMatch(/^tskey-auth-/);
    expect(created.data).toMatchObject({ preauthorized: true, reusable: false, tags: ['tag:server'] });
    const records = await h.gateway.auditRecords();
    expect(records.some((r) => r.tool === 'tailscale_key_create' && r.event === 'tool.outcome')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(secret);
    expect(JSON.stringify(h.gateway.logs)).not.toContain(secret);
    const revoked = await call(h.adminClient, 'tailscale_key_revoke', { id: created.data.id as string });
    expect(revoked.data).toEqual({ revoked: created.data.id });
    const again = await call(h.adminClient, 'tailscale_key_revoke', { id: created.data.id as string });
    expect(again.text).toContain('already revoked');
  });

  it('reads settings, users and services', async () => {
    expect((await call(h.adminClient, 'tailscale_settings_get')).data.settings).toMatchObject({
      devicesApprovalOn: true,
    });
    const users = await call(h.adminClient, 'tailscale_users_list');
    expect((users.data.users as { login_name: string }[]).map((u) => u.login_name)).toContain(
      'carol@other.org',
    );
    const services = await call(h.adminClient, 'tailscale_service_list');
    expect(services.data.services).toEqual([
      {
        name: 'svc:grafana',
        addresses: ['100.100.1.1', 'fd7a:115c:a1e0::1:1'],
        ports: ['tcp:443'],
        tags: ['tag:server'],
        comment: 'dashboards',
      },
    ]);
  });

  it('audits the fixture tailnet into findings with the devices in each', async () => {
    const { data } = await call(h.adminClient, 'tailscale_audit');
    expect(data.summary).toEqual({
      stale_devices: 2,
      outdated_clients: 2,
      device_keys_expiring: 1,
      key_expiry_disabled: 2,
      untagged_servers: 2,
      external_devices: 1,
      unapproved_routes: 2,
      unauthorized_devices: 1,
      auth_keys_expiring: 1,
    });
    const untagged = (data.findings as { id: string; items: { name: string }[] }[]).find(
      (f) => f.id === 'untagged_servers',
    )!;
    expect(untagged.items.map((i) => i.name)).toEqual(['old-pi', 'new-server']);
    expect(data.skipped).toEqual([]);
  });

  it('audits a 1,000-device tailnet consistently with the device filters', async () => {
    h.admin.state.devices = generateDevices(1000);
    const { data } = await call(h.adminClient, 'tailscale_audit', { format: 'toon' });
    expect(data.device_count).toBe(1000);
    const summary = data.summary as Record<string, number>;
    const stale = await call(h.adminClient, 'tailscale_devices_list', { not_seen_days: 30, limit: 5000 });
    expect(summary.stale_devices).toBe(stale.data.matched);
    const outdated = await call(h.adminClient, 'tailscale_devices_list', {
      update_available: true,
      limit: 5000,
    });
    expect(summary.outdated_clients).toBe(outdated.data.matched);
    const pending = await call(h.adminClient, 'tailscale_devices_list', {
      routes_pending: true,
      limit: 5000,
    });
    expect(summary.unapproved_routes).toBe(pending.data.matched);
    for (const count of Object.values(summary)) expect(count).toBeGreaterThan(0);
    // The pure report agrees with the tool.
    const devices = h.admin.state.devices.map((d) => normalizeDevice(d, Date.now()));
    const direct = auditTailnet(devices, undefined, { staleDays: 30, keyWarnDays: 14 });
    expect(direct.summary.stale_devices).toBe(summary.stale_devices);
  });

  it('reports the rest when auth keys cannot be read (missing scope)', async () => {
    h.admin.failures.push({ status: 403, times: 1, path: /\/keys$/ });
    const { data } = await call(h.adminClient, 'tailscale_audit');
    expect(data.device_count).toBe(8);
    expect((data.skipped as string[])[0]).toContain('auth keys');
  });
});

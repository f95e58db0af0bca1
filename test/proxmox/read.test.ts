import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureState } from '../fakes/proxmox-state.ts';
import { call, type ProxmoxHarness, requestsTo, startProxmoxHarness } from './support.ts';

describe('proxmox read tools against the fake API', () => {
  let h: ProxmoxHarness;
  beforeAll(async () => {
    h = await startProxmoxHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.pve.state = fixtureState();
    h.pve.failures = [];
  });

  it('lists guests with one request to /cluster/resources, sorted by VMID, templates left out', async () => {
    const before = h.pve.requests.length;
    const { data, isError, text } = await call(h.admin, 'proxmox_guests_list');
    expect(isError, text).toBe(false);
    expect(h.pve.requests.length - before).toBe(1);
    expect(requestsTo(h.pve, /\/cluster\/resources$/, before)[0]!.query).toBe('type=vm');
    expect(data.total).toBe(5);
    expect(data.guests.map((g: { vmid: number }) => g.vmid)).toEqual([100, 101, 102, 105]);
    expect(data.guests[1]).toEqual({
      cluster: 'home',
      vmid: 101,
      name: 'homeassistant',
      type: 'qemu',
      node: 'pve1',
      status: 'running',
      cpu_percent: 5,
      mem_percent: 40,
      maxmem_bytes: 4096 * 1024 ** 2,
      uptime_s: 3 * 86_400,
      tags: 'prod;ha',
    });
    expect(data.warnings).toEqual([]);
  });

  it('filters by node, type, status, tag and name, and renders TOON with the same content', async () => {
    const pick = async (args: Record<string, unknown>) =>
      (await call(h.admin, 'proxmox_guests_list', args)).data.guests.map((g: { vmid: number }) => g.vmid);
    expect(await pick({ node: 'pve2' })).toEqual([102, 105]);
    expect(await pick({ type: 'lxc' })).toEqual([100, 105]);
    expect(await pick({ status: 'stopped' })).toEqual([102]);
    expect(await pick({ tag: 'prod' })).toEqual([101, 105]);
    expect(await pick({ name: 'HOME' })).toEqual([101]);
    expect(await pick({ templates: true, type: 'qemu' })).toEqual([101, 102, 9000]);
    const json = await call(h.admin, 'proxmox_guests_list', { fields: ['vmid', 'name', 'status'] });
    const toon = await call(h.admin, 'proxmox_guests_list', {
      fields: ['vmid', 'name', 'status'],
      format: 'toon',
    });
    expect(toon.data).toEqual(json.data);
    expect(toon.text).toContain('guests[4]{vmid,name,status}:');
    expect(toon.text.length).toBeLessThan(json.text.length);
  });

  it('reports cluster status: version, quorum, nodes with figures', async () => {
    const { data, isError, text } = await call(h.admin, 'proxmox_cluster_status');
    expect(isError, text).toBe(false);
    expect(data.errors).toEqual([]);
    const [cluster] = data.clusters;
    expect(cluster).toMatchObject({
      cluster: 'home',
      cluster_name: 'homelab',
      quorate: true,
      version: '8.4.1',
      warnings: [],
    });
    expect(cluster.nodes.map((n: { node: string }) => n.node)).toEqual(['pve1', 'pve2']);
    expect(cluster.nodes[0]).toMatchObject({
      status: 'online',
      cpus: 16,
      cpu_percent: 12,
      mem_percent: 31.3,
    });
  });

  it('reads one node, its storages, and a guest’s live status', async () => {
    const node = await call(h.admin, 'proxmox_node_status', { node: 'pve2' });
    expect(node.data).toMatchObject({
      node: 'pve2',
      cpus: 16,
      loadavg: ['0.52', '0.61', '0.58'],
      kernel: expect.stringContaining('pve'),
    });
    expect(node.data.memory.total_bytes).toBe(64 * 1024 ** 3);

    const storages = await call(h.admin, 'proxmox_storage_list', { content: 'backup' });
    expect(
      storages.data.storages.map((s: { storage: string; node: string }) => `${s.storage}@${s.node}`),
    ).toEqual(['local@pve1', 'pbs@pve1', 'local@pve2', 'pbs@pve2']);
    expect(storages.data.storages[1]).toMatchObject({ type: 'pbs', shared: true, used_percent: 87.5 });

    const status = await call(h.admin, 'proxmox_guest_status', { vmid: 101 });
    expect(status.data).toMatchObject({
      vmid: 101,
      name: 'homeassistant',
      status: 'running',
      qmpstatus: 'running',
      agent: true,
      is_gateway: false,
      cpus: 2,
    });
    const self = await call(h.admin, 'proxmox_guest_status', { vmid: 100 });
    expect(self.data).toMatchObject({ type: 'lxc', is_gateway: true });
  });

  it('gives a guest config with its digest and secrets masked', async () => {
    const { data } = await call(h.admin, 'proxmox_guest_config_get', { vmid: 101 });
    expect(data.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(data.config).toMatchObject({ name: 'homeassistant', memory: 4096, cores: 2 });
    expect(data.config.cipassword).toMatch(/^\[secret: \d+ chars\]$/);
    expect(data.config.digest).toBeUndefined();
  });

  it('lists snapshots oldest first, with the one the current state is based on', async () => {
    const { data } = await call(h.admin, 'proxmox_snapshots_list', { vmid: 101 });
    expect(data.current_parent).toBe('before_2025_12');
    expect(data.snapshots).toEqual([
      {
        name: 'before_2025_12',
        description: 'before the December update',
        taken: expect.any(String),
        vmstate: false,
      },
    ]);
  });

  it('reads guest and node history from rrddata, gaps dropped, with the gateway’s metric names', async () => {
    const guest = await call(h.admin, 'proxmox_guest_history', { vmid: 105, timeframe: 'day' });
    expect(guest.isError, guest.text).toBe(false);
    expect(guest.data.points).toHaveLength(69);
    expect(guest.data.source).toBe('proxmox-rrd');
    const [first] = guest.data.points;
    expect(Object.keys(first).sort()).toEqual(
      [
        'cpu_percent',
        'disk_bytes',
        'diskread_bytes_per_s',
        'diskwrite_bytes_per_s',
        'maxmem_bytes',
        'mem_bytes',
        'netin_bytes_per_s',
        'netout_bytes_per_s',
        'time',
        'ts',
      ].sort(),
    );
    expect(guest.data.points[1].ts - first.ts).toBe(1800);
    const node = await call(h.admin, 'proxmox_node_history', { node: 'pve1', format: 'toon' });
    expect(node.data.points[0]).toMatchObject({
      loadavg: expect.any(Number),
      mem_total_bytes: 64 * 1024 ** 3,
    });
    expect(node.text).toContain('points[69]{');
  });

  it('says which node cannot be reached (595) and keeps the other answers of a list', async () => {
    h.pve.state.nodes[1]!.online = false;
    const node = await call(h.admin, 'proxmox_node_status', { node: 'pve2' });
    expect(node.isError).toBe(true);
    expect(node.text).toContain('[ERR_UPSTREAM_UNAVAILABLE]');
    expect(node.text).toContain('could not reach the node');
    expect(node.text).toContain('No route to host');
    const list = await call(h.admin, 'proxmox_guests_list');
    expect(list.data.guests.find((g: { vmid: number }) => g.vmid === 105)).toMatchObject({
      status: 'unknown',
    });
    const status = await call(h.admin, 'proxmox_cluster_status');
    expect(status.data.clusters[0].nodes[1]).toMatchObject({ node: 'pve2', status: 'offline' });
  });

  it('refuses bad arguments before any request, with a clear message', async () => {
    const before = h.pve.requests.length;
    const bad = await call(h.admin, 'proxmox_guest_status', { vmid: 42 });
    expect(bad.text).toContain('[ERR_INPUT_REJECTED]');
    const node = await call(h.admin, 'proxmox_node_status', { node: '../../access' });
    expect(node.text).toContain('a Proxmox node name');
    const cluster = await call(h.admin, 'proxmox_guests_list', { cluster: 'elsewhere' });
    expect(cluster.text).toContain('No Proxmox cluster named "elsewhere"; configured: home.');
    expect(h.pve.requests.length).toBe(before);
    const missing = await call(h.admin, 'proxmox_guest_status', { vmid: 4242 });
    expect(missing.text).toContain('[ERR_NOT_FOUND] No guest 4242 on Proxmox cluster "home"');
  });

  it('offers the upgrade and backup-audit prompts, each naming the tools it leads through', async () => {
    const viewer = await h.gateway.client(await h.gateway.token({ role: 'viewer' }));
    const names = (await viewer.listPrompts()).prompts.map((p) => p.name);
    expect(names).toContain('proxmox_backup_audit');
    expect(names).not.toContain('proxmox_before_upgrade');
    const upgrade = await h.admin.getPrompt({
      name: 'proxmox_before_upgrade',
      arguments: { vmid: '101', what: 'Home Assistant 2026.2' },
    });
    const text = (upgrade.messages[0]!.content as { text: string }).text;
    for (const tool of [
      'proxmox_guest_status',
      'proxmox_snapshot_create',
      'proxmox_snapshot_rollback',
      'proxmox_snapshot_delete',
    ])
      expect(text).toContain(tool);
    expect(text).toContain('Upgrade guest 101 (Home Assistant 2026.2)');
    await expect(
      h.admin.getPrompt({ name: 'proxmox_before_upgrade', arguments: { vmid: 'all' } }),
    ).rejects.toThrow();
  });
});

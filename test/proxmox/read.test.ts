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
    const toon = await call(h.admin, 'proxmox_guests_list', { fields: ['vmid', 'name', 'status'], format: 'toon' });
    expect(toon.data).toEqual(json.data);
    expect(toon.text).toContain('guests[4]{vmid,name,status}:');
    expect(toon.text.length).toBeLessThan(json.text.length);
  });
});

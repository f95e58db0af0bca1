import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureState } from '../fakes/proxmox-state.ts';
import { call, type ProxmoxHarness, startProxmoxHarness } from './support.ts';

describe('proxmox backups and tasks (read)', () => {
  let h: ProxmoxHarness;
  beforeAll(async () => {
    h = await startProxmoxHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.pve.state = fixtureState();
    h.pve.failures = [];
  });

  it('lists backups newest first over every backup storage, a shared one read once', async () => {
    const before = h.pve.requests.length;
    const { data, isError, text } = await call(h.admin, 'proxmox_backups_list');
    expect(isError, text).toBe(false);
    const contentReads = h.pve.requests.slice(before).filter((r) => r.path.endsWith('/content'));
    // local on pve1 and pve2 (each its own files), pbs once (shared).
    expect(contentReads.map((r) => r.path.split('/').slice(4, 7).join('/')).sort()).toEqual([
      'pve1/storage/local',
      'pve1/storage/pbs',
      'pve2/storage/local',
    ]);
    expect(data.backups.map((b: { vmid: number; storage: string }) => `${b.vmid}@${b.storage}`)).toEqual([
      '101@pbs',
      '105@local',
      '101@pbs',
      '105@pbs',
    ]);
    expect(data.backups[0]).toMatchObject({
      guest_type: 'qemu',
      notes: 'homeassistant nightly',
      protected: false,
    });
    expect(data.backups[2]).toMatchObject({ protected: true });
    expect(data.backups[1].volid).toMatch(
      /^local:backup\/vzdump-lxc-105-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.tar\.zst$/,
    );
  });

  it('filters backups by guest, storage and age (the gateway’s time grammar)', async () => {
    const recent = await call(h.admin, 'proxmox_backups_list', { since: '3d' });
    expect(recent.data.backups.map((b: { vmid: number }) => b.vmid)).toEqual([101, 105]);
    const one = await call(h.admin, 'proxmox_backups_list', { vmid: 105, storage: 'pbs' });
    expect(one.data.backups).toHaveLength(1);
    const bad = await call(h.admin, 'proxmox_backups_list', { since: 'last tuesday-ish' });
    expect(bad.text).toContain('[ERR_INPUT_REJECTED]');
    expect(bad.text).toContain('not a time');
  });

  it('keeps listing the other storages when one backup storage cannot be read, and says so', async () => {
    const down = "pbs: error fetching datastores - 500 Can't connect to 10.0.0.9:8007 (No route to host)";
    h.pve.failures.push({ path: /\/storage\/pbs\/content$/, status: 500, message: down, times: 2 });
    const list = await call(h.admin, 'proxmox_backups_list');
    expect(list.isError, list.text).toBe(false);
    expect(list.data.backups.map((b: { storage: string }) => b.storage)).toEqual(['local']);
    expect(list.data.warnings).toEqual([
      expect.stringContaining('Storage pbs (node pve1) could not be read'),
    ]);
    const coverage = await call(h.admin, 'proxmox_backup_coverage');
    expect(coverage.data.warnings).toEqual([expect.stringContaining("Can't connect to 10.0.0.9:8007")]);
  });

  it('lists backup jobs and judges coverage: no job, never backed up, too old', async () => {
    const jobs = await call(h.admin, 'proxmox_backup_jobs_list');
    expect(jobs.data.jobs).toEqual([
      expect.objectContaining({
        id: 'backup-6a1c2f3e-0001',
        enabled: true,
        schedule: '02:00',
        storage: 'pbs',
        selection: '101,105',
        mode: 'snapshot',
      }),
    ]);
    const coverage = await call(h.admin, 'proxmox_backup_coverage', { max_age_days: 7 });
    expect(coverage.isError, coverage.text).toBe(false);
    const byId = Object.fromEntries(coverage.data.guests.map((g: { vmid: number }) => [g.vmid, g]));
    expect(byId[100]).toMatchObject({ in_job: false, backups: 0, problem: 'no job, no backup' });
    expect(byId[101]).toMatchObject({ in_job: true, backups: 2, age_days: 1 });
    expect(byId[101].problem).toBeUndefined();
    expect(byId[102]).toMatchObject({ in_job: false, problem: 'no job, no backup' });
    expect(byId[105]).toMatchObject({ in_job: true, backups: 2, age_days: 2 });
    expect(byId[9000]).toBeUndefined();
    expect(coverage.data.summary).toEqual({ guests: 4, no_job: 2, stale: 0, never: 2 });
    const strict = await call(h.admin, 'proxmox_backup_coverage', { max_age_days: 1, only_problems: true });
    expect(strict.data.guests.map((g: { vmid: number }) => g.vmid)).toEqual([100, 102, 105]);
  });

  it('lists recent tasks of every node and reads one task with its log', async () => {
    const started = await call(h.admin, 'proxmox_guest_start', { vmid: 102 });
    expect(started.isError, started.text).toBe(false);
    const upid = started.data.task.upid;
    expect(upid).toMatch(
      /^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:102:tailwarden@pve!gateway:$/,
    );
    const list = await call(h.admin, 'proxmox_tasks_list');
    expect(list.data.tasks[0]).toMatchObject({
      upid,
      node: 'pve2',
      type: 'qmstart',
      id: '102',
      user: 'tailwarden@pve!gateway',
      status: 'OK',
    });
    const filtered = await call(h.admin, 'proxmox_tasks_list', { node: 'pve1', vmid: 102 });
    expect(filtered.data.tasks).toEqual([]);
    const task = await call(h.admin, 'proxmox_task_get', { upid, lines: 2 });
    expect(task.data).toMatchObject({ status: 'stopped', exitstatus: 'OK', type: 'qmstart', node: 'pve2' });
    expect(task.data.log).toEqual(['VM 102: start requested', 'TASK OK']);
    const malformed = await call(h.admin, 'proxmox_task_get', { upid: 'UPID:pve1:../../etc' });
    expect(malformed.text).toContain('a Proxmox task id');
  });
});

import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixtureState } from '../fakes/proxmox-state.ts';
import { call, type ProxmoxHarness, startProxmoxHarness } from './support.ts';

describe('proxmox power, snapshots, backups and config changes', () => {
  let h: ProxmoxHarness;
  beforeAll(async () => {
    h = await startProxmoxHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.pve.state = fixtureState();
    h.pve.tasks.release();
    h.pve.tasks.failNext = undefined;
  });
  const guest = (vmid: number) => h.pve.state.guests.get(vmid)!;

  it('shuts a guest down and starts it again, following each task with progress', async () => {
    const progress: { progress: number; message?: string }[] = [];
    const result = await h.admin.callTool(
      { name: 'proxmox_guest_shutdown', arguments: { vmid: 101, timeout: 30 } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true },
    );
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      vmid: 101,
      name: 'homeassistant',
      node: 'pve1',
      task: {
        status: 'ok',
        exitstatus: 'OK',
        node: 'pve1',
        upid: expect.stringContaining(':qmshutdown:101:'),
      },
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((p) => p.message)).toContain('VM 101: shutdown requested');
    expect(guest(101).status).toBe('stopped');
    const shutdownCall = h.pve.requests.find((r) => r.path.endsWith('/qemu/101/status/shutdown'))!;
    expect(shutdownCall.body).toBe('timeout=30');

    const start = await call(h.admin, 'proxmox_guest_start', { vmid: 101 });
    expect(start.data.task.status).toBe('ok');
    expect(guest(101).status).toBe('running');
  });

  it('gives the task log when a task fails', async () => {
    const result = await call(h.admin, 'proxmox_guest_start', { vmid: 105 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(
      '[ERR_UPSTREAM_FAILED] The Proxmox task to start guest 105 failed: CT 105 already running.',
    );
    expect(result.text).toContain(
      'last log lines:\nstart CT 105\nCT 105: start requested\nTASK ERROR: CT 105 already running',
    );
  });

  it('returns a task still running when asked not to wait; proxmox_task_get follows it', async () => {
    const quick = await call(h.admin, 'proxmox_guest_reboot', { vmid: 105, wait: 0 });
    expect(quick.data.task).toMatchObject({ status: 'running' });
    expect(guest(105).uptime).toBeGreaterThan(1);
    let state = await call(h.admin, 'proxmox_task_get', { upid: quick.data.task.upid });
    for (let i = 0; i < 5 && state.data.status === 'running'; i++)
      state = await call(h.admin, 'proxmox_task_get', { upid: quick.data.task.upid });
    expect(state.data).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(guest(105).uptime).toBe(1);
  });

  it('stops hard and resets VMs only; resets of containers are refused before anything is sent', async () => {
    const stop = await call(h.admin, 'proxmox_guest_stop', { vmid: 105, overrule_shutdown: true });
    expect(stop.data.task.status).toBe('ok');
    expect(h.pve.requests.find((r) => r.path.endsWith('/lxc/105/status/stop'))!.body).toBe(
      'overrule-shutdown=1',
    );
    const reset = await call(h.admin, 'proxmox_guest_reset', { vmid: 105 });
    expect(reset.text).toContain('[ERR_INPUT_REJECTED] Guest 105 is a container');
    const vmReset = await call(h.admin, 'proxmox_guest_reset', { vmid: 101 });
    expect(vmReset.data.task).toMatchObject({ status: 'ok', upid: expect.stringContaining(':qmreset:101:') });
    const suspend = await call(h.admin, 'proxmox_guest_suspend', { vmid: 101 });
    expect(suspend.data.task.status).toBe('ok');
    expect(guest(101).paused).toBe(true);
    expect((await call(h.admin, 'proxmox_guest_resume', { vmid: 101 })).data.task.status).toBe('ok');
    expect(guest(101).paused).toBe(false);
  });

  it('protects the gateway’s own guest from shutdown, stop, reboot, rollback and stop-mode backups unless allow_self', async () => {
    const before = h.pve.requests.filter((r) => r.method !== 'GET').length;
    for (const [tool, args] of [
      ['proxmox_guest_shutdown', {}],
      ['proxmox_guest_stop', {}],
      ['proxmox_guest_reboot', {}],
      ['proxmox_guest_suspend', {}],
      ['proxmox_snapshot_rollback', { snapname: 'any_snap' }],
      ['proxmox_backup_start', { mode: 'stop' }],
    ] as const) {
      const refused = await call(h.admin, tool, { vmid: 100, ...args });
      expect(refused.text, tool).toContain(
        '[ERR_POLICY_DENIED] Guest 100 (tailwarden) on cluster "home" is the one this gateway runs in',
      );
      expect(refused.text).toContain('allow_self: true');
    }
    expect(h.pve.requests.filter((r) => r.method !== 'GET').length).toBe(before);
    const snapshotMode = await call(h.admin, 'proxmox_backup_start', { vmid: 100, storage: 'local' });
    expect(snapshotMode.data.task.status).toBe('ok');
    const allowed = await call(h.admin, 'proxmox_guest_shutdown', { vmid: 100, allow_self: true });
    expect(allowed.data.task.status).toBe('ok');
    expect(guest(100).status).toBe('stopped');
  });

  it('creates, rolls back to and deletes a snapshot', async () => {
    const created = await call(h.admin, 'proxmox_snapshot_create', {
      vmid: 101,
      snapname: 'pre_upgrade',
      description: 'before 2026.2',
      vmstate: true,
    });
    expect(created.data.task.status, created.text).toBe('ok');
    expect(
      h.pve.requests.find((r) => r.path.endsWith('/qemu/101/snapshot') && r.method === 'POST')!.body,
    ).toBe('snapname=pre_upgrade&description=before+2026.2&vmstate=1');
    const list = await call(h.admin, 'proxmox_snapshots_list', { vmid: 101 });
    expect(list.data.snapshots.map((s: { name: string }) => s.name)).toEqual([
      'before_2025_12',
      'pre_upgrade',
    ]);
    expect(list.data.snapshots[1]).toMatchObject({ vmstate: true, parent: 'before_2025_12' });

    const rollback = await call(h.admin, 'proxmox_snapshot_rollback', {
      vmid: 101,
      snapname: 'before_2025_12',
      start: true,
    });
    expect(rollback.data.task.status).toBe('ok');
    expect(guest(101).parent).toBe('before_2025_12');
    const deleted = await call(h.admin, 'proxmox_snapshot_delete', { vmid: 101, snapname: 'pre_upgrade' });
    expect(deleted.data.task.status).toBe('ok');
    expect(guest(101).snapshots.map((s) => s.name)).toEqual(['before_2025_12']);

    const gone = await call(h.admin, 'proxmox_snapshot_delete', { vmid: 101, snapname: 'pre_upgrade' });
    expect(gone.text).toContain("snapshot 'pre_upgrade' does not exist");
    const reserved = await call(h.admin, 'proxmox_snapshot_create', { vmid: 101, snapname: 'current' });
    expect(reserved.text).toContain('reserved by Proxmox');
    const ram = await call(h.admin, 'proxmox_snapshot_create', { vmid: 105, snapname: 'x1', vmstate: true });
    expect(ram.text).toContain('containers have no RAM snapshot');
  });

  it('backs up a guest now with progress in percent, then deletes a backup (a protected one is refused)', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const result = await h.admin.callTool(
      {
        name: 'proxmox_backup_start',
        arguments: { vmid: 105, storage: 'pbs', notes: '{{guestname}} by hand', protected: true },
      },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(progress.filter((p) => p.total === 100).map((p) => p.progress)).toEqual([25, 60, 100]);
    const vz = h.pve.requests.find((r) => r.path.endsWith('/nodes/pve2/vzdump'))!;
    expect(new URLSearchParams(vz.body).get('notes-template')).toBe('{{guestname}} by hand');
    const backups = await call(h.admin, 'proxmox_backups_list', { vmid: 105, storage: 'pbs' });
    expect(backups.data.backups[0]).toMatchObject({ notes: 'nas-tools by hand', protected: true });

    const protectedOne = backups.data.backups[0].volid;
    const refused = await call(h.admin, 'proxmox_backup_delete', { volid: protectedOne });
    expect(refused.text).toContain('cannot remove protected archive');
    const plain = backups.data.backups[1].volid;
    const deleted = await call(h.admin, 'proxmox_backup_delete', { volid: plain });
    expect(deleted.data).toMatchObject({ node: 'pve1', task: { status: 'ok' } });
    expect(
      (await call(h.admin, 'proxmox_backups_list', { vmid: 105, storage: 'pbs' })).data.backups,
    ).toHaveLength(1);
    const local = await call(h.admin, 'proxmox_backup_delete', {
      volid: 'local:backup/vzdump-lxc-105-2026_01_01-00_00_00.tar.zst',
    });
    expect(local.text).toContain('local to several nodes (pve1, pve2)');
  });

  it('changes a config only with the digest it was read with', async () => {
    const read = await call(h.admin, 'proxmox_guest_config_get', { vmid: 105 });
    const changed = await call(h.admin, 'proxmox_guest_config_set', {
      vmid: 105,
      digest: read.data.digest,
      set: { memory: 2048, swap: 256, tags: ['prod', 'nas'] },
      delete: ['description'],
    });
    expect(changed.isError, changed.text).toBe(false);
    expect(changed.data).toMatchObject({
      changed: ['memory', 'swap', 'tags'],
      deleted: ['description'],
      values: { memory: 2048, swap: 256, tags: 'prod;nas' },
    });
    expect(changed.data.digest).not.toBe(read.data.digest);
    const stale = await call(h.admin, 'proxmox_guest_config_set', {
      vmid: 105,
      digest: read.data.digest,
      set: { cores: 2 },
    });
    expect(stale.text).toContain('[ERR_CONFLICT]');
    expect(stale.text).toContain('digest mismatch');
    expect(guest(105).config.cores).toBe(1);
    const wrongKind = await call(h.admin, 'proxmox_guest_config_set', {
      vmid: 101,
      digest: read.data.digest,
      set: { swap: 1 },
    });
    expect(wrongKind.text).toContain('swap is for containers only');
    const rootOnly = await call(h.admin, 'proxmox_guest_config_set', {
      vmid: 101,
      digest: read.data.digest,
      set: { args: '-x' },
    });
    expect(rootOnly.text).toContain('[ERR_INPUT_REJECTED]');
  });

  it('stops a running task on request; its log ends with the interruption', async () => {
    h.pve.tasks.holdNew = true;
    const started = await call(h.admin, 'proxmox_backup_start', { vmid: 105, wait: 0 });
    expect(started.data.task.status).toBe('running');
    const stopped = await call(h.admin, 'proxmox_task_stop', { upid: started.data.task.upid });
    expect(stopped.data).toEqual({ cluster: 'home', upid: started.data.task.upid, stopped: true });
    const task = await call(h.admin, 'proxmox_task_get', { upid: started.data.task.upid });
    expect(task.data).toMatchObject({ status: 'stopped', exitstatus: 'interrupted by signal' });
    expect(task.data.log.at(-1)).toBe('TASK ERROR: interrupted by signal');
  });

  it('stops the Proxmox task when the caller cancels a stoppable call, and leaves a snapshot running', async () => {
    h.pve.tasks.holdNew = true;
    const cancel = new AbortController();
    const pending = h.admin
      .callTool({ name: 'proxmox_backup_start', arguments: { vmid: 101 } }, CallToolResultSchema, {
        signal: cancel.signal,
      })
      .catch((error: Error) => error);
    const task = await vi.waitFor(() => {
      const running = h.pve.tasks.running().find((t) => t.type === 'vzdump');
      if (!running) throw new Error('no vzdump task yet');
      return running;
    });
    cancel.abort('changed my mind');
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(h.pve.tasks.stopped).toContain(task.upid), { timeout: 10_000 });
    expect(task.exitstatus).toBe('interrupted by signal');

    const snapCancel = new AbortController();
    const snap = h.admin
      .callTool(
        { name: 'proxmox_snapshot_create', arguments: { vmid: 105, snapname: 'held' } },
        CallToolResultSchema,
        { signal: snapCancel.signal },
      )
      .catch((error: Error) => error);
    const snapTask = await vi.waitFor(() => {
      const running = h.pve.tasks.running().find((t) => t.type === 'vzsnapshot');
      if (!running) throw new Error('no snapshot task yet');
      return running;
    });
    snapCancel.abort('changed my mind');
    await snap;
    await vi.waitFor(() =>
      expect(
        h.gateway.logs.some((l) => l.upid === snapTask.upid && String(l.msg).includes('the task runs on')),
      ).toBe(true),
    );
    expect(h.pve.tasks.stopped).not.toContain(snapTask.upid);
    h.pve.tasks.release();
  });
});

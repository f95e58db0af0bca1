import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWaiting, cli, pendingFor, textOf } from '../approvals/helpers.ts';
import { call, type ProxmoxHarness, startProxmoxHarness } from './support.ts';

/** The default policy: moderate runs, high asks for a confirmation, critical needs an out-of-band approval. */
describe('proxmox tools under the default risk rules', () => {
  let h: ProxmoxHarness;
  beforeAll(async () => {
    h = await startProxmoxHarness({
      config: { policy: { moderate: 'allow', high: 'confirm', critical: 'approve', approval_wait: '30s' } },
    });
  });
  afterAll(() => h.close());

  it('rolls back only after an approval that shows exactly what will happen', async () => {
    const alice = await h.gateway.client(await h.gateway.token({ role: 'admin', name: 'alice' }));
    const call = callWaiting(alice, 'proxmox_snapshot_rollback', { vmid: 101, snapname: 'before_2025_12' });
    const pending = await pendingFor(h.gateway, 'proxmox_snapshot_rollback');
    expect(pending).toMatchObject({
      principalName: 'alice',
      risk: 'critical',
      summary: 'Roll guest 101 back to snapshot "before_2025_12", losing everything written since.',
    });
    expect(h.pve.requests.some((r) => r.path.includes('/rollback'))).toBe(false);
    expect((await cli(h.gateway.stateDir, 'approvals', 'approve', pending.id)).code).toBe(0);
    const result = await call.result;
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      vmid: 101,
      snapname: 'before_2025_12',
      task: { status: 'ok' },
    });
    expect(h.pve.requests.filter((r) => r.path.endsWith('/snapshot/before_2025_12/rollback'))).toHaveLength(
      1,
    );
  });

  it('deletes no backup when the approval is denied', async () => {
    const alice = await h.gateway.client(await h.gateway.token({ role: 'admin', name: 'alice' }));
    const volid = h.pve.state.storages.find((s) => s.storage === 'pbs')!.volumes[0]!.volid;
    const call = callWaiting(alice, 'proxmox_backup_delete', { volid });
    const pending = await pendingFor(h.gateway, 'proxmox_backup_delete');
    expect(pending.summary).toBe(`Delete the backup ${volid} (not reversible).`);
    expect((await cli(h.gateway.stateDir, 'approvals', 'deny', pending.id, '--reason', 'keep it')).code).toBe(
      0,
    );
    const result = await call.result;
    expect(textOf(result)).toContain('ERR_APPROVAL_DENIED');
    expect(h.pve.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(
      h.pve.state.storages.find((s) => s.storage === 'pbs')!.volumes.some((v) => v.volid === volid),
    ).toBe(true);
  });

  it('asks the user before a hard stop (high) and runs a clean shutdown (moderate) at once', async () => {
    const client = await h.gateway.client(await h.gateway.token({ role: 'admin', name: 'bob' }), {
      capabilities: { elicitation: { form: {} } },
    });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push((request.params as { message: string }).message);
      return { action: 'accept', content: { confirm: true } };
    });
    const shutdown = await call(client, 'proxmox_guest_shutdown', { vmid: 105 });
    expect(shutdown.data.task.status, shutdown.text).toBe('ok');
    expect(asked).toEqual([]);
    const start = await call(client, 'proxmox_guest_start', { vmid: 105 });
    expect(start.data.task.status).toBe('ok');
    const stop = await call(client, 'proxmox_guest_stop', { vmid: 105 });
    expect(stop.data.task.status, stop.text).toBe('ok');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('Stop guest 105 at once (hard power-off, no clean shutdown).');
  });

  it('keeps write and admin tools from roles that lack them', async () => {
    const viewer = await h.gateway.client(await h.gateway.token({ role: 'viewer' }));
    const listed = (await viewer.listTools()).tools
      .map((t) => t.name)
      .filter((n) => n.startsWith('proxmox_'));
    expect(listed).toContain('proxmox_guests_list');
    expect(listed).not.toContain('proxmox_guest_start');
    const refused = await call(viewer, 'proxmox_guest_start', { vmid: 102 });
    expect(refused.text).toContain('[ERR_PERMISSION_DENIED]');
    const operator = await h.gateway.client(await h.gateway.token({ role: 'operator' }));
    const opTools = (await operator.listTools()).tools.map((t) => t.name);
    expect(opTools).toContain('proxmox_backup_start');
    expect(opTools).not.toContain('proxmox_snapshot_rollback');
  });
});

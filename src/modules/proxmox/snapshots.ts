import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { cleanText } from './errors.ts';
import { isoTime, vmidArg } from './model.ts';
import { guestActionOutput, guestActionResult } from './power.ts';
import { findGuest } from './resources.ts';
import { allowSelfArg, refuseSelf } from './self.ts';
import { runTask, waitArg } from './tasks.ts';

/** pve-snapshot-name: a config id (letter, then letters, digits, _ and -), at most 40 characters. */
export const snapnameArg = z
  .string()
  .max(40)
  .regex(
    /^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/,
    'a letter, then 1–39 letters, digits, _ or - (e.g. pre_upgrade_2026)',
  )
  .refine((name) => !['current', 'vzdump', 'pending'].includes(name.toLowerCase()), {
    error: '"current", "vzdump" and "pending" are reserved by Proxmox',
  })
  .describe('Snapshot name, e.g. pre_upgrade');

const where = (cluster: string | undefined) => (cluster ? ` on cluster ${cluster}` : '');
const snapshotPath = (path: string, name: string) => `${path}/snapshot/${encodeURIComponent(name)}`;

export const snapshotsList = proxmoxTool({
  name: 'proxmox_snapshots_list',
  title: 'Proxmox: List snapshots',
  description:
    'Snapshots of one guest, oldest first: name, description, when it was taken, whether it holds the RAM state, and which one the current state is based on.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg, vmid: vmidArg }),
  output: z.object({
    cluster: z.string(),
    vmid: z.number(),
    name: z.string(),
    current_parent: z.string().optional().describe('The snapshot the current state was taken after'),
    snapshots: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        taken: z.string().optional(),
        vmstate: z.boolean().describe('Holds the RAM state (VMs): a rollback resumes it running'),
        parent: z.string().optional(),
        state: z
          .string()
          .optional()
          .describe('Set while a snapshot is being made or deleted (prepare, delete)'),
      }),
    ),
  }),
  handler: async ({ cluster, vmid }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const rows = await client.get<Record<string, unknown>[]>(`${path}/snapshot`, undefined, {
      action: `list the snapshots of guest ${vmid}`,
      signal: ctx.signal,
    });
    const current = (rows ?? []).find((r) => r.name === 'current');
    const snapshots = (rows ?? [])
      .filter((r) => r.name !== 'current')
      .map((r) => ({
        name: String(r.name),
        description: cleanText(String(r.description ?? ''), 1000),
        taken: isoTime(r.snaptime),
        vmstate: r.vmstate === 1 || r.vmstate === true,
        parent: typeof r.parent === 'string' ? r.parent : undefined,
        state: typeof r.snapstate === 'string' ? r.snapstate : undefined,
        at: typeof r.snaptime === 'number' ? r.snaptime : 0,
      }))
      .sort((a, b) => a.at - b.at)
      .map(({ at: _at, ...rest }) => rest);
    return {
      cluster: client.name,
      vmid,
      name: guest.name,
      current_parent: typeof current?.parent === 'string' ? current.parent : undefined,
      snapshots,
    };
  },
});

export const snapshotCreate = proxmoxTool({
  name: 'proxmox_snapshot_create',
  title: 'Proxmox: Create snapshot',
  description:
    'Take a snapshot of a guest (its disks; with vmstate also the RAM of a running VM, so a rollback resumes it running). The storage must support snapshots (ZFS, LVM-thin, Ceph, qcow2).',
  permission: 'proxmox:write',
  risk: 'moderate',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    snapname: snapnameArg,
    description: z.string().max(1000).optional().describe('What the snapshot is for'),
    vmstate: z
      .boolean()
      .default(false)
      .describe('Include the RAM state (running VMs only; slower and larger)'),
    wait: waitArg,
  }),
  output: guestActionOutput.extend({ snapname: z.string() }),
  summarize: ({ vmid, cluster, snapname, vmstate }) =>
    `Snapshot guest ${vmid}${where(cluster)} as "${snapname}"${vmstate ? ' with its RAM state' : ''}.`,
  handler: async ({ cluster, vmid, snapname, description, vmstate, wait }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    if (vmstate && guest.type !== 'qemu') {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Guest ${vmid} is a container: containers have no RAM snapshot; call again without vmstate.`,
      );
    }
    const task = await runTask(
      ctx,
      client,
      {
        method: 'POST',
        path: `${path}/snapshot`,
        params: { snapname, description, vmstate: guest.type === 'qemu' && vmstate ? true : undefined },
        node: guest.node,
      },
      // Stopping a snapshot half-way leaves the guest locked with a half-made snapshot.
      { what: `snapshot guest ${vmid} as ${snapname}`, stoppable: false, waitSeconds: wait },
    );
    return guestActionResult(client.name, guest, task, { snapname });
  },
});

export const snapshotRollback = proxmoxTool({
  name: 'proxmox_snapshot_rollback',
  title: 'Proxmox: Roll back to snapshot',
  description:
    'Return a guest to a snapshot: everything written since is LOST (later snapshots stay). The guest is stopped for it; start: true starts it afterwards. The gateway’s own guest is refused unless allow_self is set.',
  permission: 'proxmox:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    snapname: snapnameArg,
    start: z
      .boolean()
      .default(false)
      .describe('Start the guest after the rollback (VMs with RAM state resume anyway)'),
    allow_self: allowSelfArg,
    wait: waitArg,
  }),
  output: guestActionOutput.extend({ snapname: z.string() }),
  summarize: ({ vmid, cluster, snapname, start, allow_self }) =>
    `Roll guest ${vmid}${where(cluster)} back to snapshot "${snapname}", losing everything written since${start ? ', then start it' : ''}.${allow_self ? ' Allowed even if it is the guest this gateway runs in.' : ''}`,
  handler: async ({ cluster, vmid, snapname, start, allow_self, wait }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    refuseSelf(ctx.proxmox.self, guest, 'roll back', allow_self);
    const task = await runTask(
      ctx,
      client,
      {
        method: 'POST',
        path: `${snapshotPath(path, snapname)}/rollback`,
        params: { start: start || undefined },
        node: guest.node,
      },
      { what: `roll guest ${vmid} back to ${snapname}`, stoppable: false, waitSeconds: wait },
    );
    return guestActionResult(client.name, guest, task, { snapname });
  },
});

export const snapshotDelete = proxmoxTool({
  name: 'proxmox_snapshot_delete',
  title: 'Proxmox: Delete snapshot',
  description:
    'Delete one snapshot of a guest for good (the guest itself is unchanged; the snapshot cannot come back).',
  permission: 'proxmox:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({ cluster: clusterArg, vmid: vmidArg, snapname: snapnameArg, wait: waitArg }),
  output: guestActionOutput.extend({ snapname: z.string() }),
  summarize: ({ vmid, cluster, snapname }) =>
    `Delete snapshot "${snapname}" of guest ${vmid}${where(cluster)} (not reversible).`,
  handler: async ({ cluster, vmid, snapname, wait }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const task = await runTask(
      ctx,
      client,
      { method: 'DELETE', path: snapshotPath(path, snapname), node: guest.node },
      { what: `delete snapshot ${snapname} of guest ${vmid}`, stoppable: false, waitSeconds: wait },
    );
    return guestActionResult(client.name, guest, task, { snapname });
  },
});

export const snapshotTools = [snapshotsList, snapshotCreate, snapshotRollback, snapshotDelete];

import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { nodeArg, storageArg, storageFrom, vmidArg } from './model.ts';
import { guestActionOutput, guestActionResult } from './power.ts';
import { clusterResources, findGuest } from './resources.ts';
import { allowSelfArg, refuseSelf } from './self.ts';
import { runTask, taskOutcomeSchema, waitArg } from './tasks.ts';

const where = (cluster: string | undefined) => (cluster ? ` on cluster ${cluster}` : '');

export const backupStart = proxmoxTool({
  name: 'proxmox_backup_start',
  title: 'Proxmox: Back up guest now',
  description:
    'Back up one guest now (vzdump) to a backup storage, following the task with progress. Mode snapshot keeps the guest running; suspend pauses it briefly; stop shuts it down for the backup (refused for the gateway’s own guest unless allow_self).',
  permission: 'proxmox:write',
  risk: 'moderate',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    storage: storageArg
      .optional()
      .describe('Backup storage, e.g. local or pbs (default: the node’s vzdump default)'),
    mode: z.enum(['snapshot', 'suspend', 'stop']).default('snapshot').describe('How consistency is reached'),
    compress: z
      .enum(['zstd', 'lzo', 'gzip', '0'])
      .default('zstd')
      .describe('Compression (ignored by Proxmox Backup Server)'),
    notes: z
      .string()
      .max(1024)
      .regex(/^[^\r\n]*$/, 'one line')
      .optional()
      .describe('Notes shown with the backup; {{guestname}}, {{vmid}}, {{node}}, {{cluster}} are filled in'),
    protected: z.boolean().default(false).describe('Protect the backup from pruning and deletion'),
    allow_self: allowSelfArg,
    wait: waitArg,
  }),
  output: guestActionOutput.extend({ storage: z.string().optional() }),
  summarize: ({ vmid, cluster, storage, mode, protected: keep }) =>
    `Back up guest ${vmid}${where(cluster)} now (mode ${mode}${storage ? `, to ${storage}` : ''}${keep ? ', protected' : ''}).`,
  handler: async (input, ctx) => {
    const { client, guest } = await findGuest(ctx, input.cluster, input.vmid);
    if (input.mode === 'stop')
      refuseSelf(ctx.proxmox.self, guest, 'stop (for a stop-mode backup)', input.allow_self);
    const task = await runTask(
      ctx,
      client,
      {
        method: 'POST',
        // vzdump only backs up guests of the node it runs on (it answers "OK" for the others).
        path: `/nodes/${encodeURIComponent(guest.node)}/vzdump`,
        params: {
          vmid: guest.vmid,
          storage: input.storage,
          mode: input.mode,
          compress: input.compress,
          'notes-template': input.notes,
          protected: input.protected || undefined,
        },
        node: guest.node,
      },
      // vzdump stops cleanly on SIGTERM and removes its partial archive.
      { what: `back up guest ${guest.vmid}`, stoppable: true, waitSeconds: input.wait },
    );
    if (!task) {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `Proxmox started no backup for guest ${guest.vmid} on node ${guest.node} (it answered OK without a task): did the guest just move to another node? Check with proxmox_guests_list and retry.`,
      );
    }
    return guestActionResult(client.name, guest, task, { storage: input.storage });
  },
});

/** A backup volume id: `storage:backup/…` (vzdump archives and Proxmox Backup Server snapshots alike). */
export const backupVolidArg = z
  .string()
  .max(300)
  .regex(
    /^[a-z][a-z0-9_.-]{0,98}[a-z0-9]:backup\/[A-Za-z0-9_.:+\-/]{1,250}$/i,
    'a backup volume id, e.g. local:backup/vzdump-lxc-105-2026_01_31-02_00_00.tar.zst',
  )
  .refine((volid) => !volid.includes('..'), { error: 'must not contain ".."' })
  .describe('Volume id of the backup, as proxmox_backups_list gives it');

export const backupDelete = proxmoxTool({
  name: 'proxmox_backup_delete',
  title: 'Proxmox: Delete backup',
  description:
    'Delete one backup for good (a protected backup is refused by Proxmox). The volume id comes from proxmox_backups_list; the node is found from the storage unless given.',
  permission: 'proxmox:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    volid: backupVolidArg,
    node: nodeArg
      .optional()
      .describe('Node that holds the storage (needed only for a local storage present on several nodes)'),
    wait: waitArg,
  }),
  output: z.object({
    cluster: z.string(),
    volid: z.string(),
    node: z.string(),
    task: taskOutcomeSchema.optional(),
  }),
  summarize: ({ volid, cluster }) => `Delete the backup ${volid}${where(cluster)} (not reversible).`,
  handler: async ({ cluster, volid, node, wait }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const storage = volid.slice(0, volid.indexOf(':'));
    const rows = (await clusterResources(client, 'storage', ctx.signal))
      .map((r) => storageFrom(client.name, r))
      .filter((s) => s.storage === storage && s.status === 'available');
    const candidates = node ? rows.filter((s) => s.node === node) : rows;
    if (candidates.length === 0) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No available storage "${storage}"${node ? ` on node ${node}` : ''} in cluster "${client.name}"; check the volume id with proxmox_backups_list.`,
      );
    }
    if (!candidates[0]!.shared && candidates.length > 1) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Storage "${storage}" is local to several nodes (${candidates.map((s) => s.node).join(', ')}); say which one holds the backup with node.`,
      );
    }
    const at = candidates[0]!.node;
    const task = await runTask(
      ctx,
      client,
      {
        method: 'DELETE',
        path: `/nodes/${encodeURIComponent(at)}/storage/${encodeURIComponent(storage)}/content/${encodeURIComponent(volid)}`,
        node: at,
      },
      { what: `delete backup ${volid}`, stoppable: false, waitSeconds: wait },
    );
    return { cluster: client.name, volid, node: at, task };
  },
});

export const backupWriteTools = [backupStart, backupDelete];

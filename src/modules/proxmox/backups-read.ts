import { z } from 'zod';
import { toGatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { parseWhen, whenArg } from '../../util/when.ts';
import type { ProxmoxClient } from './client.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { clusterErrorsSchema, eachCluster } from './each-cluster.ts';
import { cleanText } from './errors.ts';
import { isoTime, nodeArg, type StorageRow, storageArg, storageFrom, vmidArg } from './model.ts';
import { explainEmpty } from './privileges.ts';
import { clusterResources } from './resources.ts';

export const backupSchema = z.object({
  cluster: z.string(),
  storage: z.string(),
  volid: z.string().describe('Volume id; proxmox_backup_delete takes it'),
  vmid: z.number().optional(),
  guest_type: z.string().optional().describe('qemu or lxc'),
  created: z.string().optional(),
  size_bytes: z.number().optional(),
  notes: z.string().optional(),
  protected: z.boolean(),
  verified: z.string().optional().describe('Last verification state (Proxmox Backup Server)'),
  encrypted: z.boolean(),
});
export type BackupRow = z.infer<typeof backupSchema> & { created_epoch: number };

/** qemu or lxc: the storage says so (subtype), else the archive name does (vzdump-lxc-…, PBS ct/…). */
function guestTypeOf(subtype: unknown, volid: string): string | undefined {
  if (typeof subtype === 'string' && subtype) return subtype;
  if (/vzdump-lxc-|:backup\/ct\//.test(volid)) return 'lxc';
  if (/vzdump-qemu-|:backup\/vm\//.test(volid)) return 'qemu';
  return undefined;
}

/** Storages that may hold backups, one row per storage (a shared one is read through one of its nodes). */
export function backupStorages(rows: readonly StorageRow[], node?: string, storage?: string): StorageRow[] {
  const seen = new Set<string>();
  return rows.filter((s) => {
    if (!s.content.split(',').includes('backup') || s.status !== 'available') return false;
    if (storage && s.storage !== storage) return false;
    if (node && s.node !== node) return false;
    const key = s.shared ? s.storage : `${s.node}/${s.storage}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The backups on the chosen storages of one cluster (one request per storage). */
export async function readBackups(
  client: ProxmoxClient,
  signal: AbortSignal,
  filter: { node?: string; storage?: string; vmid?: number },
): Promise<{ backups: BackupRow[]; storages: StorageRow[]; unread: string[] }> {
  const all = (await clusterResources(client, 'storage', signal)).map((r) => storageFrom(client.name, r));
  const storages = backupStorages(all, filter.node, filter.storage);
  // A storage that cannot be read (a Proxmox Backup Server that is down) must not hide the others' backups.
  const settled = await Promise.allSettled(
    storages.map((s) =>
      client.get<Record<string, unknown>[]>(
        `/nodes/${encodeURIComponent(s.node)}/storage/${encodeURIComponent(s.storage)}/content`,
        { content: 'backup', vmid: filter.vmid },
        { action: `list the backups on storage ${s.storage}`, signal },
      ),
    ),
  );
  if (signal.aborted) throw signal.reason;
  const unread = settled.flatMap((outcome, i) =>
    outcome.status === 'rejected'
      ? [
          `Storage ${storages[i]!.storage} (node ${storages[i]!.node}) could not be read: ${toGatewayError(outcome.reason).message}`,
        ]
      : [],
  );
  const lists = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
  const backups = lists.flatMap((rows, i) =>
    (rows ?? []).map((r): BackupRow => {
      const verification = r.verification as { state?: string } | undefined;
      const volid = String(r.volid ?? '');
      return {
        cluster: client.name,
        storage: storages[i]!.storage,
        volid,
        vmid: typeof r.vmid === 'number' ? r.vmid : undefined,
        guest_type: guestTypeOf(r.subtype, volid),
        created: isoTime(r.ctime),
        size_bytes: typeof r.size === 'number' ? r.size : undefined,
        notes: typeof r.notes === 'string' ? cleanText(r.notes, 200) : undefined,
        protected: r.protected === 1 || r.protected === true,
        verified: verification?.state,
        encrypted: r.encrypted !== undefined && r.encrypted !== null && r.encrypted !== '',
        created_epoch: typeof r.ctime === 'number' ? r.ctime : 0,
      };
    }),
  );
  return { backups, storages, unread };
}

export const backupsList = proxmoxTool({
  name: 'proxmox_backups_list',
  title: 'Proxmox: List backups',
  description:
    'Backups (vzdump archives, Proxmox Backup Server snapshots) on the backup storages, newest first: guest, when, size, notes, protected, verification. Filter by guest, storage, node or age.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg.describe('Only this cluster (default: every configured cluster)'),
    vmid: vmidArg.optional(),
    storage: storageArg.optional(),
    node: nodeArg.optional(),
    since: whenArg('Only backups made after this').optional(),
    limit: z.number().int().min(1).max(5000).default(200).describe('Most backups to return'),
    format: formatArg,
  }),
  output: z.object({
    matched: z.number().int(),
    backups: z.array(backupSchema),
    warnings: z.array(z.string()),
    errors: clusterErrorsSchema,
  }),
  handler: async ({ cluster, vmid, storage, node, since, limit }, ctx) => {
    const after = since ? parseWhen(since, new Date(), 'since').getTime() / 1000 : 0;
    const warnings: string[] = [];
    const { results, errors } = await eachCluster(ctx, cluster, async (client) => {
      const read = await readBackups(client, ctx.signal, { vmid, storage, node });
      warnings.push(...read.unread);
      if (read.storages.length === 0) {
        const why = await explainEmpty(
          client,
          { privilege: 'Datastore.Audit', path: '/storage', partial: ['/storage'] },
          'backup storages',
          ctx.signal,
        );
        warnings.push(
          why ??
            `Cluster "${client.name}" has no available storage that holds backups${storage ? ` named ${storage}` : ''}.`,
        );
      }
      return read.backups;
    });
    const matching = results
      .flat()
      .filter((b) => b.created_epoch >= after)
      .sort((a, b) => b.created_epoch - a.created_epoch);
    return {
      matched: matching.length,
      backups: matching.slice(0, limit).map(({ created_epoch: _e, ...rest }) => rest),
      warnings,
      errors,
    };
  },
});

export const backupJobsList = proxmoxTool({
  name: 'proxmox_backup_jobs_list',
  title: 'Proxmox: List backup jobs',
  description:
    'Scheduled backup jobs of a cluster: schedule, next run, storage, mode, and which guests they take (all, a list, a pool, with exclusions).',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg }),
  output: z.object({
    cluster: z.string(),
    jobs: z.array(
      z.object({
        id: z.string(),
        enabled: z.boolean(),
        schedule: z.string().optional(),
        next_run: z.string().optional(),
        storage: z.string().optional(),
        mode: z.string().optional(),
        selection: z.string().describe('all, pool NAME, or the guest ids'),
        exclude: z.string().optional(),
        node: z.string().optional().describe('Only guests on this node'),
        comment: z.string().optional(),
      }),
    ),
  }),
  handler: async ({ cluster }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const jobs = await client.get<Record<string, unknown>[]>('/cluster/backup', undefined, {
      action: 'list the backup jobs',
      signal: ctx.signal,
    });
    const text = (v: unknown) => (typeof v === 'string' && v ? cleanText(v, 300) : undefined);
    return {
      cluster: client.name,
      jobs: (jobs ?? []).map((j) => ({
        id: String(j.id ?? ''),
        enabled: j.enabled === undefined || j.enabled === 1 || j.enabled === true,
        schedule: text(j.schedule),
        next_run: isoTime(j['next-run']),
        storage: text(j.storage),
        mode: text(j.mode),
        selection:
          j.all === 1 || j.all === true
            ? 'all'
            : j.pool
              ? `pool ${String(j.pool)}`
              : (text(j.vmid) ?? '(none)'),
        exclude: text(j.exclude),
        node: text(j.node),
        comment: text(j.comment),
      })),
    };
  },
});

export const backupReadTools = [backupsList, backupJobsList];

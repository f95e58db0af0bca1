import { z } from 'zod';

/**
 * Proxmox answers as the gateway shows them: `/cluster/resources` entries
 * (documented in pve-manager's PVE/API2/Cluster.pm) turned into rows with units
 * in their names, percentages rounded to one decimal, and times as ISO 8601.
 */

export const vmidArg = z
  .number()
  .int()
  .min(100)
  .max(999_999_999)
  .describe('Guest id (VMID), e.g. 105; unique within a cluster');

/** Proxmox node names (pve-node format). */
export const NODE_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
export const nodeArg = z
  .string()
  .max(63)
  .regex(NODE_RE, 'a Proxmox node name, e.g. pve1')
  .describe('Node name, e.g. pve1');
/** Proxmox storage ids (pve-storage-id format). */
export const storageArg = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_.-]{0,98}[a-z0-9]$/i, 'a storage id, e.g. local or pbs-main')
  .describe('Storage id, e.g. local or pbs');

const percent = (part: number | undefined, whole: number | undefined) =>
  part !== undefined && whole ? Math.round((part / whole) * 1000) / 10 : undefined;
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

export const isoTime = (epochSeconds: unknown): string | undefined => {
  const s = num(epochSeconds);
  return s !== undefined && s > 0 ? new Date(s * 1000).toISOString() : undefined;
};

export const guestSchema = z.object({
  cluster: z.string(),
  vmid: z.number().int(),
  name: z.string(),
  type: z.enum(['qemu', 'lxc']).describe('qemu: a virtual machine; lxc: a container'),
  node: z.string(),
  status: z.string().describe('running, stopped, or unknown (the node is offline)'),
  cpu_percent: z.number().optional().describe('CPU use, in percent of its cpus'),
  cpus: z.number().optional(),
  mem_bytes: z.number().optional(),
  maxmem_bytes: z.number().optional(),
  mem_percent: z.number().optional(),
  disk_bytes: z
    .number()
    .optional()
    .describe('Used root disk (containers; VMs report 0 without the guest agent)'),
  maxdisk_bytes: z.number().optional(),
  netin_bytes: z.number().optional(),
  netout_bytes: z.number().optional(),
  uptime_s: z.number().optional(),
  tags: z.string().describe('Proxmox tags, separated by ";"'),
  template: z.boolean(),
  lock: z.string().optional().describe('Config lock held by an operation (backup, snapshot, migrate…)'),
  pool: z.string().optional(),
  hastate: z.string().optional(),
});
export type Guest = z.infer<typeof guestSchema>;
export const GUEST_FIELDS = Object.keys(guestSchema.shape) as (keyof Guest)[];
export const DEFAULT_GUEST_FIELDS: (keyof Guest)[] = [
  'cluster',
  'vmid',
  'name',
  'type',
  'node',
  'status',
  'cpu_percent',
  'mem_percent',
  'maxmem_bytes',
  'uptime_s',
  'tags',
];

/** Tags as one ";"-separated string (Proxmox also accepts "," and spaces between them). */
export function normalizeTags(value: unknown): string {
  return (str(value) ?? '')
    .split(/[;, ]+/)
    .filter(Boolean)
    .join(';');
}

export function guestFrom(cluster: string, raw: Record<string, unknown>): Guest {
  const maxmem = num(raw.maxmem);
  const mem = num(raw.mem);
  const cpu = num(raw.cpu);
  return {
    cluster,
    vmid: num(raw.vmid) ?? 0,
    name: str(raw.name) ?? '',
    type: raw.type === 'lxc' ? 'lxc' : 'qemu',
    node: str(raw.node) ?? '',
    status: str(raw.status) ?? 'unknown',
    cpu_percent: cpu !== undefined ? Math.round(cpu * 1000) / 10 : undefined,
    cpus: num(raw.maxcpu),
    mem_bytes: mem,
    maxmem_bytes: maxmem,
    mem_percent: percent(mem, maxmem),
    disk_bytes: num(raw.disk),
    maxdisk_bytes: num(raw.maxdisk),
    netin_bytes: num(raw.netin),
    netout_bytes: num(raw.netout),
    uptime_s: num(raw.uptime),
    tags: normalizeTags(raw.tags),
    template: raw.template === 1 || raw.template === true,
    lock: str(raw.lock),
    pool: str(raw.pool),
    hastate: str(raw.hastate),
  };
}

export const nodeSchema = z.object({
  cluster: z.string(),
  node: z.string(),
  status: z.string().describe('online, offline or unknown'),
  cpu_percent: z.number().optional(),
  cpus: z.number().optional(),
  mem_bytes: z.number().optional(),
  maxmem_bytes: z.number().optional(),
  mem_percent: z.number().optional(),
  disk_bytes: z.number().optional().describe('Used root file system'),
  maxdisk_bytes: z.number().optional(),
  uptime_s: z.number().optional(),
  support_level: z.string().optional(),
});
export type NodeRow = z.infer<typeof nodeSchema>;

export function nodeFrom(cluster: string, raw: Record<string, unknown>): NodeRow {
  const mem = num(raw.mem);
  const maxmem = num(raw.maxmem);
  const cpu = num(raw.cpu);
  return {
    cluster,
    node: str(raw.node) ?? '',
    status: str(raw.status) ?? 'unknown',
    cpu_percent: cpu !== undefined ? Math.round(cpu * 1000) / 10 : undefined,
    cpus: num(raw.maxcpu),
    mem_bytes: mem,
    maxmem_bytes: maxmem,
    mem_percent: percent(mem, maxmem),
    disk_bytes: num(raw.disk),
    maxdisk_bytes: num(raw.maxdisk),
    uptime_s: num(raw.uptime),
    support_level: str(raw.level) || undefined,
  };
}

export const storageSchema = z.object({
  cluster: z.string(),
  storage: z.string(),
  node: z.string(),
  type: z.string().describe('Storage type: dir, lvmthin, zfspool, nfs, pbs, …'),
  content: z.string().describe('What it may hold: images, rootdir, backup, iso, vztmpl, snippets'),
  shared: z.boolean(),
  status: z.string().describe('available, or unknown (not active on that node)'),
  used_bytes: z.number().optional(),
  total_bytes: z.number().optional(),
  used_percent: z.number().optional(),
});
export type StorageRow = z.infer<typeof storageSchema>;

export function storageFrom(cluster: string, raw: Record<string, unknown>): StorageRow {
  const used = num(raw.disk);
  const total = num(raw.maxdisk);
  return {
    cluster,
    storage: str(raw.storage) ?? '',
    node: str(raw.node) ?? '',
    type: str(raw.plugintype) ?? '',
    content: str(raw.content) ?? '',
    shared: raw.shared === 1 || raw.shared === true,
    status: str(raw.status) ?? 'unknown',
    used_bytes: used,
    total_bytes: total,
    used_percent: percent(used, total),
  };
}

/** Pick the requested fields of a row (the rest are left out of the answer). */
export function pickFields<T extends Record<string, unknown>>(
  row: T,
  fields: readonly (keyof T)[],
): Partial<T> {
  const out: Partial<T> = {};
  for (const field of fields) if (row[field] !== undefined) out[field] = row[field];
  return out;
}

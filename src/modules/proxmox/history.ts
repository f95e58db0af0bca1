import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { nodeArg, vmidArg } from './model.ts';
import { findGuest } from './resources.ts';

/**
 * Proxmox keeps round-robin history (`rrddata`) for every guest and node:
 * hour (1-minute steps), day (30 min), week (3 h), month (12 h), year (1 week).
 * Points come back with Unix times and the gateway's metric names, so they can
 * be merged with the gateway's own history of the same host.
 */
const timeframeArg = z
  .enum(['hour', 'day', 'week', 'month', 'year'])
  .default('hour')
  .describe('Span: hour (1-minute points), day (30 min), week (3 h), month (12 h), year (1 week)');
const cfArg = z
  .enum(['AVERAGE', 'MAX'])
  .default('AVERAGE')
  .describe('Consolidation of each point: AVERAGE or MAX');

type Row = Record<string, unknown>;
const n = (row: Row, key: string) => {
  const v = row[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
const pct = (fraction: number | undefined) =>
  fraction === undefined ? undefined : Math.round(fraction * 1000) / 10;
const rate = (v: number | undefined) => (v === undefined ? undefined : Math.round(v));

/** Drop points with no figure at all (Proxmox leaves gaps where it has no data) and undefined keys. */
function compact<T extends Record<string, unknown>>(points: T[]): T[] {
  return points
    .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as T)
    .filter((p) => Object.keys(p).length > 2);
}

const pointBase = {
  time: z.string(),
  ts: z.number().int().describe('Unix seconds'),
};

export const guestPointSchema = z.object({
  ...pointBase,
  cpu_percent: z.number().optional(),
  mem_bytes: z.number().optional(),
  maxmem_bytes: z.number().optional(),
  disk_bytes: z.number().optional(),
  netin_bytes_per_s: z.number().optional(),
  netout_bytes_per_s: z.number().optional(),
  diskread_bytes_per_s: z.number().optional(),
  diskwrite_bytes_per_s: z.number().optional(),
});

export const nodePointSchema = z.object({
  ...pointBase,
  cpu_percent: z.number().optional(),
  iowait_percent: z.number().optional(),
  loadavg: z.number().optional(),
  mem_used_bytes: z.number().optional(),
  mem_total_bytes: z.number().optional(),
  swap_used_bytes: z.number().optional(),
  rootfs_used_bytes: z.number().optional(),
  rootfs_total_bytes: z.number().optional(),
  netin_bytes_per_s: z.number().optional(),
  netout_bytes_per_s: z.number().optional(),
});

export const guestHistory = proxmoxTool({
  name: 'proxmox_guest_history',
  title: 'Proxmox: Guest history',
  description:
    'CPU, memory, disk and network history of one guest from Proxmox’s own records (rrddata), over the last hour, day, week, month or year.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    timeframe: timeframeArg,
    cf: cfArg,
    format: formatArg,
  }),
  output: z.object({
    cluster: z.string(),
    vmid: z.number(),
    node: z.string(),
    timeframe: z.string(),
    cf: z.string(),
    source: z.literal('proxmox-rrd'),
    points: z.array(guestPointSchema),
  }),
  handler: async ({ cluster, vmid, timeframe, cf }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const rows = await client.get<Row[]>(
      `${path}/rrddata`,
      { timeframe, cf },
      {
        action: `read the history of guest ${vmid}`,
        signal: ctx.signal,
      },
    );
    const points = compact(
      (rows ?? []).map((r) => ({
        time: new Date((n(r, 'time') ?? 0) * 1000).toISOString(),
        ts: n(r, 'time') ?? 0,
        cpu_percent: pct(n(r, 'cpu')),
        mem_bytes: n(r, 'mem'),
        maxmem_bytes: n(r, 'maxmem'),
        disk_bytes: n(r, 'disk'),
        netin_bytes_per_s: rate(n(r, 'netin')),
        netout_bytes_per_s: rate(n(r, 'netout')),
        diskread_bytes_per_s: rate(n(r, 'diskread')),
        diskwrite_bytes_per_s: rate(n(r, 'diskwrite')),
      })),
    );
    return {
      cluster: client.name,
      vmid,
      node: guest.node,
      timeframe,
      cf,
      source: 'proxmox-rrd' as const,
      points,
    };
  },
});

export const nodeHistory = proxmoxTool({
  name: 'proxmox_node_history',
  title: 'Proxmox: Node history',
  description:
    'CPU, IO wait, load, memory, swap, root file system and network history of one Proxmox node (rrddata), over the last hour, day, week, month or year.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    node: nodeArg,
    timeframe: timeframeArg,
    cf: cfArg,
    format: formatArg,
  }),
  output: z.object({
    cluster: z.string(),
    node: z.string(),
    timeframe: z.string(),
    cf: z.string(),
    source: z.literal('proxmox-rrd'),
    points: z.array(nodePointSchema),
  }),
  handler: async ({ cluster, node, timeframe, cf }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const rows = await client.get<Row[]>(
      `/nodes/${encodeURIComponent(node)}/rrddata`,
      { timeframe, cf },
      {
        action: `read the history of node ${node}`,
        signal: ctx.signal,
      },
    );
    const points = compact(
      (rows ?? []).map((r) => ({
        time: new Date((n(r, 'time') ?? 0) * 1000).toISOString(),
        ts: n(r, 'time') ?? 0,
        cpu_percent: pct(n(r, 'cpu')),
        iowait_percent: pct(n(r, 'iowait')),
        loadavg: n(r, 'loadavg'),
        mem_used_bytes: n(r, 'memused'),
        mem_total_bytes: n(r, 'memtotal'),
        swap_used_bytes: n(r, 'swapused'),
        rootfs_used_bytes: n(r, 'rootused'),
        rootfs_total_bytes: n(r, 'roottotal'),
        netin_bytes_per_s: rate(n(r, 'netin')),
        netout_bytes_per_s: rate(n(r, 'netout')),
      })),
    );
    return { cluster: client.name, node, timeframe, cf, source: 'proxmox-rrd' as const, points };
  },
});

export const historyTools = [guestHistory, nodeHistory];

import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer } from './engine.ts';

interface RawStats {
  read?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

/** CPU share as `docker stats` computes it: container delta over host delta, times the CPUs. */
export function cpuPercent(s: RawStats): number {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return Math.round((cpuDelta / systemDelta) * cpus * 10000) / 100;
}

/** Memory in use without the page cache the kernel can drop (cgroup v2: inactive_file; v1: total_inactive_file). */
export function memoryUsed(s: RawStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const stats = s.memory_stats?.stats ?? {};
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  return Math.max(0, usage - cache);
}

/** The engine's zero time: it sampled nothing (no cgroup counters readable). */
function unread(s: RawStats): boolean {
  return !s.read || s.read.startsWith('0001-01-01');
}

export const containerStats = dockerTool({
  name: 'docker_container_stats',
  title: 'Docker: Container stats',
  description:
    "One snapshot of a running container's resource use: CPU share, memory (without reclaimable cache) against its limit, network and block I/O totals, processes.",
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ container: z.string().min(1).max(200).describe('Container id or name') }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    cpu_percent: z.number().describe('100 = one full CPU'),
    memory_bytes: z.number(),
    memory_limit_bytes: z.number(),
    memory_percent: z.number(),
    network_rx_bytes: z.number(),
    network_tx_bytes: z.number(),
    block_read_bytes: z.number(),
    block_write_bytes: z.number(),
    pids: z.number().int(),
    sampled_at: z.string().describe('When the engine read the figures'),
    note: z.string().optional().describe('Why the figures are missing, when they are'),
  }),
  handler: async ({ container }, ctx) => {
    const info = await inspectContainer(ctx, container);
    const name = containerName(info.Name);
    if (!info.State.Running) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `Container "${name}" is ${info.State.Status}, so it has no live stats. Start it with docker_container_start first.`,
      );
    }
    const stats = (await engineCall(ctx, `stats of container ${name}`, (e) =>
      e.getContainer(info.Id).stats({ stream: false, abortSignal: ctx.signal } as { stream: false }),
    )) as RawStats;
    const used = memoryUsed(stats);
    const limit = stats.memory_stats?.limit ?? 0;
    let rx = 0;
    let tx = 0;
    for (const net of Object.values(stats.networks ?? {})) {
      rx += net.rx_bytes;
      tx += net.tx_bytes;
    }
    let read = 0;
    let write = 0;
    for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
      if (/^read$/i.test(entry.op)) read += entry.value;
      if (/^write$/i.test(entry.op)) write += entry.value;
    }
    return {
      id: info.Id.slice(0, 12),
      name,
      cpu_percent: cpuPercent(stats),
      memory_bytes: used,
      memory_limit_bytes: limit,
      memory_percent: limit > 0 ? Math.round((used / limit) * 10000) / 100 : 0,
      network_rx_bytes: rx,
      network_tx_bytes: tx,
      block_read_bytes: read,
      block_write_bytes: write,
      pids: stats.pids_stats?.current ?? 0,
      sampled_at: stats.read ?? '',
      ...(unread(stats)
        ? {
            note: 'The engine returned no resource figures for this container: it cannot read its cgroup counters (common when Docker runs nested or rootless without cgroup controllers delegated). The zeros are not measurements.',
          }
        : {}),
    };
  },
});

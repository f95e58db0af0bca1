import { cpus, loadavg, uptime } from 'node:os';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { STATUS_CARD_URI } from '../../mcp/apps/index.ts';
import { type SystemContext, systemTool } from './context.ts';

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

export const statusOutput = z.object({
  hostname: z.string(),
  os: z.object({
    distro: z.string(),
    release: z.string(),
    codename: z.string(),
    kernel: z.string(),
    arch: z.string(),
  }),
  virtualization: z.object({
    kind: z.enum(['bare-metal', 'vm', 'lxc', 'container']),
    technology: z.string().optional(),
    proxmox_ct_id: z.number().int().optional(),
  }),
  uptime_s: z.number(),
  load_average: z.object({ m1: z.number(), m5: z.number(), m15: z.number() }),
  cpu: z.object({ cores: z.number().int(), usage_percent: z.number() }),
  memory: z.object({
    total_bytes: z.number(),
    used_bytes: z.number().describe('In use, excluding reclaimable caches'),
    available_bytes: z.number(),
    used_percent: z.number(),
    swap_total_bytes: z.number(),
    swap_used_bytes: z.number(),
    pressure_some_avg10: z
      .number()
      .optional()
      .describe('Percent of the last 10 s some task stalled on memory (PSI)'),
  }),
  disks: z.array(
    z.object({
      mount: z.string(),
      fs: z.string(),
      type: z.string(),
      size_bytes: z.number(),
      used_bytes: z.number(),
      used_percent: z.number(),
    }),
  ),
  warnings: z.array(z.string()),
  sampled_at: z.string().describe('When CPU/memory were sampled (background sampler)'),
});

export type SystemStatus = z.infer<typeof statusOutput>;

/** The latest sample and the static identity, as one status object with warnings. */
export async function currentStatus({ system }: SystemContext): Promise<SystemStatus> {
  const sample = await system.sampler.current();
  if (!sample)
    throw new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      'The host sampler has no data yet; retry in a few seconds.',
    );
  const { memory } = sample;
  const memoryPercent = percent(memory.used, memory.total);
  const swapPercent = percent(memory.swapUsed, memory.swapTotal);
  const warnings: string[] = [];
  for (const disk of sample.disks) {
    if (disk.used_percent >= system.config.disk_warn_percent) {
      warnings.push(`Disk ${disk.mount} is ${disk.used_percent}% full.`);
    }
  }
  if (memoryPercent >= system.config.memory_warn_percent)
    warnings.push(`Memory is ${memoryPercent}% used (excluding caches).`);
  if (memory.swapTotal > 0 && swapPercent >= 80) warnings.push(`Swap is ${swapPercent}% used.`);
  if ((sample.memoryPressure ?? 0) >= 10)
    warnings.push(`Memory pressure: tasks stalled ${sample.memoryPressure}% of the last 10 s.`);
  const [m1, m5, m15] = loadavg() as [number, number, number];
  const cores = cpus().length;
  if (m5 > cores * 2) warnings.push(`Load average ${m5.toFixed(2)} is over twice the ${cores} cores.`);
  if (system.sampler.stale)
    warnings.push('The background sampler is behind; CPU and memory figures may be old.');
  const identity = await system.identity;
  const { virtualization } = identity;
  return {
    hostname: identity.hostname,
    os: identity.os,
    virtualization: {
      kind: virtualization.kind,
      ...(virtualization.technology ? { technology: virtualization.technology } : {}),
      ...(virtualization.proxmox_ct_id !== undefined ? { proxmox_ct_id: virtualization.proxmox_ct_id } : {}),
    },
    uptime_s: Math.round(uptime()),
    load_average: { m1, m5, m15 },
    cpu: { cores, usage_percent: sample.cpuPercent },
    memory: {
      total_bytes: memory.total,
      used_bytes: memory.used,
      available_bytes: memory.available,
      used_percent: memoryPercent,
      swap_total_bytes: memory.swapTotal,
      swap_used_bytes: memory.swapUsed,
      ...(sample.memoryPressure !== undefined ? { pressure_some_avg10: sample.memoryPressure } : {}),
    },
    disks: sample.disks,
    warnings,
    sampled_at: new Date(sample.sampledAt).toISOString(),
  };
}

export const systemStatus = systemTool({
  name: 'system_status',
  title: 'System: Status',
  description:
    'How busy and healthy this host is: OS, uptime, load, CPU and memory use, disks, virtualization (bare metal, VM, LXC with Proxmox CT id), and warnings such as full disks or memory pressure.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({}),
  output: statusOutput,
  ui: STATUS_CARD_URI,
  handler: (_input, ctx) => currentStatus(ctx),
});

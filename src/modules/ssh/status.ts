import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { Fleet } from './fleet.ts';

export const hostStatusSchema = z.object({
  host: z.string(),
  answered: z.boolean(),
  uptime_s: z.number().optional(),
  cpus: z.number().int().optional().describe('Processors available (nproc)'),
  load_average: z.object({ m1: z.number(), m5: z.number(), m15: z.number() }).optional(),
  memory: z
    .object({ total_bytes: z.number(), available_bytes: z.number(), used_percent: z.number() })
    .optional(),
  disks: z
    .array(
      z.object({
        mount: z.string(),
        size_bytes: z.number(),
        available_bytes: z.number(),
        used_percent: z.number(),
      }),
    )
    .optional(),
  failed_units: z.array(z.string()).optional(),
  error: z.string().optional(),
  duration_ms: z.number(),
});

export type HostStatus = z.infer<typeof hostStatusSchema>;

// Fixed argv (no parameters) read from every host: cheap, present on any Linux.
const PROBES = {
  uptime: ['cat', '/proc/uptime'],
  loadavg: ['cat', '/proc/loadavg'],
  meminfo: ['cat', '/proc/meminfo'],
  df: ['df', '-P', '-k', '-x', 'tmpfs', '-x', 'devtmpfs', '-x', 'overlay', '-x', 'squashfs'],
  failed: ['systemctl', 'list-units', '--failed', '--no-pager', '--plain', '--no-legend'],
  cpus: ['nproc'],
} as const;

const round1 = (n: number) => Math.round(n * 10) / 10;

function parseMeminfo(text: string) {
  const field = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  const total = field('MemTotal');
  const available = field('MemAvailable');
  if (!Number.isFinite(total) || !Number.isFinite(available)) return undefined;
  return {
    total_bytes: total,
    available_bytes: available,
    used_percent: round1(((total - available) / total) * 100),
  };
}

function parseDf(text: string) {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 6)
    .map((cols) => ({
      mount: cols.slice(5).join(' '),
      size_bytes: Number(cols[1]) * 1024,
      available_bytes: Number(cols[3]) * 1024,
      used_percent: Number(cols[4]!.replace('%', '')),
    }))
    .filter((d) => Number.isFinite(d.size_bytes) && d.size_bytes > 0 && Number.isFinite(d.available_bytes));
}

/** Status of one host, all probes over one pooled connection, in parallel. */
async function statusOf(fleet: Fleet, host: string, signal: AbortSignal): Promise<HostStatus> {
  const started = performance.now();
  const run = (argv: readonly string[]) =>
    fleet.exec(host, argv, { signal, outputCap: 256 * 1024 }).then((r) => r.stdout);
  try {
    const [uptime, loadavg, meminfo, df, failed, nproc] = await Promise.all([
      run(PROBES.uptime),
      run(PROBES.loadavg),
      run(PROBES.meminfo),
      run(PROBES.df).catch(() => ''),
      run(PROBES.failed).catch(() => ''),
      run(PROBES.cpus).catch(() => ''),
    ]);
    const cpus = Number.parseInt(nproc.trim(), 10);
    const [m1, m5, m15] = loadavg.trim().split(/\s+/).map(Number) as [number, number, number];
    const memory = parseMeminfo(meminfo);
    return {
      host,
      answered: true,
      uptime_s: Math.round(Number(uptime.split(/\s+/)[0])),
      ...(cpus > 0 ? { cpus } : {}),
      load_average: { m1, m5, m15 },
      ...(memory ? { memory } : {}),
      disks: parseDf(df),
      failed_units: failed
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter(Boolean),
      duration_ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      host,
      answered: false,
      error:
        error instanceof GatewayError ? error.message : `unexpected failure (${(error as Error).message})`,
      duration_ms: Math.round(performance.now() - started),
    };
  }
}

/**
 * Every host in parallel, each under its own deadline: a host that is down or
 * slow costs at most the per-host timeout and never delays the others' answers.
 */
export async function fleetStatus(
  fleet: Fleet,
  hosts: readonly string[],
  perHostTimeout: number,
  signal: AbortSignal,
): Promise<{ hosts: HostStatus[]; not_answered: string[] }> {
  const statuses = await Promise.all(
    hosts.map((host) => {
      const hostSignal = AbortSignal.any([signal, AbortSignal.timeout(perHostTimeout)]);
      return Promise.race([
        statusOf(fleet, host, hostSignal),
        new Promise<HostStatus>((resolve) =>
          hostSignal.addEventListener(
            'abort',
            () =>
              resolve({
                host,
                answered: false,
                error: `no answer within ${perHostTimeout} ms`,
                duration_ms: perHostTimeout,
              }),
            { once: true },
          ),
        ),
      ]);
    }),
  );
  return { hosts: statuses, not_answered: statuses.filter((s) => !s.answered).map((s) => s.host) };
}

import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { sshTool } from './context.ts';
import { type Candidate, rankHosts } from './placement-rank.ts';
import { fleetStatus } from './status.ts';

const ranked = z.object({
  host: z.string(),
  score: z.number().describe('0–100: free CPU (40%), memory (35%) and disk (25%), less 10 per alert'),
  cpus: z.number().nullable(),
  load: z.number().describe('The higher of the 1- and 5-minute load averages'),
  free_cpus: z.number().nullable(),
  free_memory_bytes: z.number(),
  memory_bytes: z.number(),
  free_disk_bytes: z.number(),
  disk_mount: z.string(),
  alerts: z.array(z.string()),
  reasons: z.array(z.string()),
});

export const fleetPickHost = sshTool({
  name: 'fleet_pick_host',
  title: 'Fleet: Pick the host for a new workload',
  description:
    'Rank the fleet hosts for a new workload by free CPU, memory and disk and their current alerts (failed units, full disks), from their live status, and say why. Hosts that cannot take it (not answering, no Docker when it is needed, below a minimum) are listed with the reason. The winner gets a pick_id: deploy with host set to it and placement set to the pick_id, so the audit log shows where the workload went and why.',
  permission: 'ssh:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    hosts: z
      .array(z.string().min(1).max(63))
      .max(100)
      .optional()
      .describe('Only these hosts (default: every configured host)'),
    tag: z.string().min(1).max(63).optional().describe('Only hosts with this tag'),
    docker: z
      .boolean()
      .default(false)
      .describe('Only hosts with Docker over SSH (docker: true) — for a stack or container'),
    min_memory_mb: z
      .number()
      .int()
      .min(1)
      .max(16_777_216)
      .optional()
      .describe('Free memory the workload needs'),
    min_disk_gb: z
      .number()
      .min(0)
      .max(1_048_576)
      .optional()
      .describe('Free disk the workload needs on disk_path'),
    min_free_cpus: z.number().min(0).max(4096).optional().describe('Idle cores the workload needs'),
    disk_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path')
      .max(200)
      .default('/')
      .describe(
        'Where the workload keeps its data (e.g. /var/lib/docker): the filesystem holding it is judged',
      ),
  }),
  output: z.object({
    pick: z
      .object({ host: z.string(), pick_id: z.string(), score: z.number(), reasons: z.array(z.string()) })
      .nullable()
      .describe('The best host; absent when none can take the workload'),
    ranked: z.array(ranked),
    excluded: z.array(z.object({ host: z.string(), reason: z.string() })),
    history: z.string().describe('Whether the metrics history was used'),
  }),
  handler: async (input, ctx) => {
    const { ssh, signal } = ctx;
    for (const name of input.hosts ?? []) ssh.hosts.get(name); // an unknown name: a clear error first
    const hosts = ssh.hosts
      .all()
      .filter(
        (h) => (!input.hosts || input.hosts.includes(h.name)) && (!input.tag || h.tags.includes(input.tag)),
      );
    if (hosts.length === 0) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        'No configured host matches; see ssh_hosts_list for the hosts and their tags.',
      );
    }
    const names = hosts.map((h) => h.name);
    const [status, history] = await Promise.all([
      fleetStatus(ssh, names, ssh.settings.fleet_timeout, signal),
      ssh.history?.(names, signal).catch(() => undefined),
    ]);
    const byName = new Map(status.hosts.map((s) => [s.host, s]));
    const candidates: Candidate[] = hosts.map((h) => ({
      host: h.name,
      docker: h.docker,
      status: byName.get(h.name)!,
      history: history?.get(h.name),
    }));
    const result = rankHosts(candidates, {
      docker: input.docker,
      diskPath: input.disk_path,
      minMemoryBytes: input.min_memory_mb === undefined ? undefined : input.min_memory_mb * 1024 ** 2,
      minDiskBytes: input.min_disk_gb === undefined ? undefined : input.min_disk_gb * 1024 ** 3,
      minFreeCpus: input.min_free_cpus,
    });
    const best = result.ranked[0];
    const pick = best
      ? await ssh.placements.record(best.host, best.reasons, {
          callId: ctx.callId,
          ranking: result.ranked.map((r) => ({ host: r.host, score: r.score })),
          excluded: result.excluded,
        })
      : undefined;
    return {
      pick:
        pick && best ? { host: best.host, pick_id: pick.id, score: best.score, reasons: best.reasons } : null,
      ...result,
      history: ssh.history
        ? history
          ? 'live status and the metrics history'
          : 'live status only: the metrics history did not answer'
        : 'live status only: no metrics history is available (the Watch module is not running)',
    };
  },
});

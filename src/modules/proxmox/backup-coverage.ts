import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { readBackups } from './backups-read.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { guestFrom, isoTime } from './model.ts';
import { clusterResources } from './resources.ts';

/**
 * Which guests are covered: Proxmox's own list of guests in no backup job
 * (`/cluster/backup-info/not-backed-up`) joined with the newest backup of each
 * guest on every backup storage.
 */
export const backupCoverage = proxmoxTool({
  name: 'proxmox_backup_coverage',
  title: 'Proxmox: Backup coverage',
  description:
    'For every guest: whether a backup job covers it, its newest backup and how old that is, flagging guests with no job and guests whose newest backup is older than max_age_days (or missing).',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    max_age_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(7)
      .describe('A newest backup older than this is flagged'),
    only_problems: z.boolean().default(false).describe('List only guests that are flagged'),
    format: formatArg,
  }),
  output: z.object({
    cluster: z.string(),
    guests: z.array(
      z.object({
        vmid: z.number(),
        name: z.string(),
        type: z.string(),
        node: z.string(),
        in_job: z.boolean(),
        last_backup: z.string().optional(),
        age_days: z.number().optional(),
        backups: z.number().int(),
        problem: z.string().optional().describe('no job, no backup, or too old'),
      }),
    ),
    summary: z.object({ guests: z.number(), no_job: z.number(), stale: z.number(), never: z.number() }),
    warnings: z
      .array(z.string())
      .describe('Backup storages that could not be read (their backups are not counted)'),
  }),
  handler: async ({ cluster, max_age_days, only_problems }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const [rows, uncovered, read] = await Promise.all([
      clusterResources(client, 'vm', ctx.signal),
      client.get<{ vmid: number }[]>('/cluster/backup-info/not-backed-up', undefined, {
        action: 'list the guests no backup job covers',
        signal: ctx.signal,
      }),
      readBackups(client, ctx.signal, {}),
    ]);
    const noJob = new Set((uncovered ?? []).map((g) => g.vmid));
    const now = Date.now() / 1000;
    const guests = rows
      .filter((r) => (r.type === 'qemu' || r.type === 'lxc') && r.template !== 1)
      .map((r) => guestFrom(client.name, r))
      .sort((a, b) => a.vmid - b.vmid)
      .map((g) => {
        const mine = read.backups.filter((b) => b.vmid === g.vmid);
        const newest = mine.reduce((m, b) => Math.max(m, b.created_epoch), 0);
        const age = newest ? Math.round(((now - newest) / 86_400) * 10) / 10 : undefined;
        const problems = [
          noJob.has(g.vmid) ? 'no job' : '',
          !newest
            ? 'no backup'
            : age !== undefined && age > max_age_days
              ? `newest older than ${max_age_days} days`
              : '',
        ].filter(Boolean);
        return {
          vmid: g.vmid,
          name: g.name,
          type: g.type,
          node: g.node,
          in_job: !noJob.has(g.vmid),
          last_backup: newest ? isoTime(newest) : undefined,
          age_days: age,
          backups: mine.length,
          problem: problems.length ? problems.join(', ') : undefined,
        };
      });
    return {
      cluster: client.name,
      guests: only_problems ? guests.filter((g) => g.problem) : guests,
      summary: {
        guests: guests.length,
        no_job: guests.filter((g) => !g.in_job).length,
        stale: guests.filter((g) => g.last_backup && g.problem?.includes('older')).length,
        never: guests.filter((g) => !g.last_backup).length,
      },
      warnings: read.unread,
    };
  },
});

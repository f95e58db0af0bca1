import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { loadSysteminformation } from '../../util/lazy-require.ts';
import { systemTool } from './context.ts';
import { processNames } from './process-names.ts';
import { sharedRead } from './shared-read.ts';

let lastRead = 0;
const COMMAND_MAX = 500;

/**
 * A long command line is cut between arguments, never inside one: a URL or `--password=…` cut in half
 * would no longer be recognised (and masked) as a secret.
 */
function cutCommandLine(command: string): string {
  if (command.length <= COMMAND_MAX) return command;
  const space = command.lastIndexOf(' ', COMMAND_MAX);
  return `${space > 0 ? command.slice(0, space) : ''} …(cut: ${command.length} characters)`.trimStart();
}

/**
 * systeminformation reports process CPU as the share since its previous read
 * (and serves a cached result within 500 ms). When the last read is old or
 * never happened, read twice 600 ms apart so the figure is current. Callers
 * share the read in flight (see sharedRead); the 600 ms wait bounds it.
 */
const readProcesses = sharedRead(async () => {
  if (Date.now() - lastRead > 10_000) {
    await loadSysteminformation().processes();
    lastRead = Date.now();
    await sleep(600);
  }
  const windowMs = Date.now() - lastRead;
  const data = await loadSysteminformation().processes();
  lastRead = Date.now();
  return { data, windowMs };
}, 0);

/** The `ps` systeminformation runs to list processes (and the shell around it): not this host's workload. */
const isOwnSampler = (p: { command: string; params: string }) => p.params.includes('pid:11,ppid:11');

/** ps prints the start as local wall-clock time without a zone; as ISO 8601 UTC. */
function startedAt(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(local)) return null;
  const date = new Date(local.replace(' ', 'T')); // no zone: read as local time
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const readProc = (pid: number, file: string) => readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');

/** Names from /proc for a process of this host (see processNames). */
async function namesOf(pid: number, fallback: string): Promise<{ name: string; thread_name?: string }> {
  const [cmdline, comm] = await Promise.all([readProc(pid, 'cmdline'), readProc(pid, 'comm')]);
  return processNames(cmdline.split('\0')[0] ?? '', comm || fallback);
}

const processRow = z.object({
  pid: z.number().int(),
  name: z.string().describe('The executable'),
  thread_name: z
    .string()
    .optional()
    .describe("Its main thread's own name (comm), when that is not just the executable's"),
  user: z.string(),
  cpu_percent: z.number(),
  memory_percent: z.number(),
  rss_bytes: z.number(),
  state: z.string(),
  started: z.string().nullable().describe('ISO 8601, UTC'),
  command: z
    .string()
    .describe('Command line (passwords, tokens and keys in it masked unless you hold secrets:read)'),
});

export const processesTop = systemTool({
  name: 'system_processes_top',
  title: 'System: Top processes',
  description:
    'The processes using the most CPU or memory right now, with user, state, start time and command line.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    by: z.enum(['cpu', 'memory']).default('cpu').describe('Sort by current CPU share or by resident memory'),
    limit: z.number().int().min(1).max(100).default(10).describe('How many processes to return'),
    format: formatArg,
  }),
  output: z.object({
    processes: z.array(processRow),
    total: z.number().int(),
    running: z.number().int(),
    cpu_window_ms: z.number().describe('The CPU shares cover roughly this many milliseconds'),
  }),
  handler: async ({ by, limit }) => {
    const { data, windowMs } = await readProcesses();
    const sorted = data.list
      .filter((p) => !isOwnSampler(p))
      .sort((a, b) => (by === 'cpu' ? b.cpu - a.cpu : b.memRss - a.memRss))
      .slice(0, limit);
    const names = await Promise.all(sorted.map((p) => namesOf(p.pid, p.name)));
    return {
      processes: sorted.map((p, i) => ({
        pid: p.pid,
        ...names[i]!,
        user: p.user,
        cpu_percent: Math.round(p.cpu * 10) / 10,
        memory_percent: Math.round(p.mem * 10) / 10,
        rss_bytes: p.memRss * 1024,
        state: p.state,
        started: startedAt(p.started),
        // Masked by the call wrapper for callers without secrets:read (one redaction path for every tool).
        command: cutCommandLine(`${p.command} ${p.params}`.trim()),
      })),
      total: data.list.filter((p) => !isOwnSampler(p)).length,
      running: data.list.filter((p) => p.state === 'running' && !isOwnSampler(p)).length,
      cpu_window_ms: windowMs,
    };
  },
});

import { setTimeout as sleep } from 'node:timers/promises';
import si from 'systeminformation';
import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { systemTool } from './context.ts';
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
    await si.processes();
    lastRead = Date.now();
    await sleep(600);
  }
  const windowMs = Date.now() - lastRead;
  const data = await si.processes();
  lastRead = Date.now();
  return { data, windowMs };
}, 0);

const processRow = z.object({
  pid: z.number().int(),
  name: z.string(),
  user: z.string(),
  cpu_percent: z.number(),
  memory_percent: z.number(),
  rss_bytes: z.number(),
  state: z.string(),
  started: z.string(),
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
    const sorted = [...data.list].sort((a, b) => (by === 'cpu' ? b.cpu - a.cpu : b.memRss - a.memRss));
    return {
      processes: sorted.slice(0, limit).map((p) => ({
        pid: p.pid,
        name: p.name,
        user: p.user,
        cpu_percent: Math.round(p.cpu * 10) / 10,
        memory_percent: Math.round(p.mem * 10) / 10,
        rss_bytes: p.memRss * 1024,
        state: p.state,
        started: p.started,
        // Masked by the call wrapper for callers without secrets:read (one redaction path for every tool).
        command: cutCommandLine(`${p.command} ${p.params}`.trim()),
      })),
      total: data.all,
      running: data.running,
      cpu_window_ms: windowMs,
    };
  },
});

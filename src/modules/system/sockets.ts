import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { systemTool } from './context.ts';
import { processNames } from './process-names.ts';
import type { CommandRunner } from './runner.ts';
import { commandFailure } from './systemd.ts';

export interface SocketRow {
  protocol: string;
  state: string;
  local_address: string;
  local_port: number;
  peer_address: string;
  peer_port: number | null;
  process: string | null;
  pid: number | null;
}

function splitHostPort(text: string): { address: string; port: number | null } {
  const i = text.lastIndexOf(':');
  const address = text
    .slice(0, i)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%\S+$/, '');
  const port = text.slice(i + 1);
  return { address, port: /^\d+$/.test(port) ? Number(port) : null };
}

/** `ss -tunapH` lines: "tcp LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=812,fd=6))". */
export function parseSs(text: string): SocketRow[] {
  return text.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) return [];
    const local = splitHostPort(f[4]!);
    const peer = splitHostPort(f[5]!);
    const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    return [
      {
        protocol: f[0]!,
        state: f[1] === 'UNCONN' && f[0] === 'udp' ? 'LISTEN' : f[1]!,
        local_address: local.address,
        local_port: local.port ?? 0,
        peer_address: peer.address,
        peer_port: peer.port,
        process: users?.[1] ?? null,
        pid: users ? Number(users[2]) : null,
      },
    ];
  });
}

/**
 * argv[0] of the sockets' processes, in one `ps` on the same host as `ss` (ss names a
 * process by its comm, the main thread's name). Empty when ps cannot say.
 */
async function commandLines(
  runner: CommandRunner,
  sockets: readonly SocketRow[],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Map<number, string>> {
  const pids = [...new Set(sockets.flatMap((s) => (s.pid === null ? [] : [s.pid])))].slice(0, 500);
  if (pids.length === 0) return new Map();
  const r = await runner
    .run(['ps', '-o', 'pid=,args=', '-p', pids.join(',')], { timeoutMs, signal })
    .catch(() => undefined);
  const out = new Map<number, string>();
  for (const line of r?.stdout.split('\n') ?? []) {
    const match = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (match) out.set(Number(match[1]), match[2]!);
  }
  return out;
}

export async function readSockets(
  runner: CommandRunner,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<SocketRow[]> {
  const r = await runner.run(['ss', '-tunapH'], { timeoutMs, signal, outputCap: 8 * 1024 * 1024 });
  if (r.code !== 0) throw commandFailure('ss', r);
  return parseSs(r.stdout);
}

export const netSockets = systemTool({
  name: 'net_sockets',
  title: 'Network: Sockets',
  description:
    'Listening sockets or established connections (TCP and UDP) with the owning process, optionally for one port.',
  permission: 'network:diag',
  risk: 'moderate',
  readOnly: true,
  input: z.object({
    kind: z
      .enum(['listening', 'established'])
      .default('listening')
      .describe('Listening sockets, or established connections'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe('Only sockets with this local or peer port'),
    format: formatArg,
  }),
  output: z.object({
    sockets: z.array(
      z.object({
        protocol: z.string(),
        state: z.string(),
        local_address: z.string(),
        local_port: z.number(),
        peer_address: z.string(),
        peer_port: z.number().nullable(),
        process: z.string().nullable().describe('The executable'),
        thread_name: z
          .string()
          .optional()
          .describe("Its main thread's own name (comm), when that is not just the executable's"),
        pid: z.number().nullable(),
      }),
    ),
    count: z.number().int(),
  }),
  handler: async ({ kind, port }, { system, signal }) => {
    const all = await readSockets(system.runner, signal, system.config.command_timeout);
    const matching = all.filter(
      (s) =>
        (kind === 'listening' ? s.state === 'LISTEN' : s.state === 'ESTAB') &&
        (port === undefined || s.local_port === port || s.peer_port === port),
    );
    const argv0 = await commandLines(system.runner, matching, signal, system.config.command_timeout);
    const sockets = matching.map((s) => {
      if (s.pid === null || s.process === null) return s;
      const { name, thread_name } = processNames(argv0.get(s.pid) ?? '', s.process);
      return { ...s, process: name, ...(thread_name ? { thread_name } : {}) };
    });
    return { sockets, count: sockets.length };
  },
});

import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { systemTool } from './context.ts';
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
        process: z.string().nullable(),
        pid: z.number().nullable(),
      }),
    ),
    count: z.number().int(),
  }),
  handler: async ({ kind, port }, { system, signal }) => {
    const all = await readSockets(system.runner, signal, system.config.command_timeout);
    const sockets = all.filter(
      (s) =>
        (kind === 'listening' ? s.state === 'LISTEN' : s.state === 'ESTAB') &&
        (port === undefined || s.local_port === port || s.peer_port === port),
    );
    return { sockets, count: sockets.length };
  },
});

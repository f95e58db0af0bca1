import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { analyzeLogLinesInSlices } from '../system/logs-analyzer.ts';
import { type DockerContext, dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer } from './engine.ts';
import { capLines, demuxLogs, type LogLine, parseLogTime } from './logs.ts';

export const logWindow = {
  tail: z.number().int().min(1).max(10_000).default(200).describe('How many of the newest lines to read'),
  since: z
    .string()
    .max(40)
    .optional()
    .describe('Only lines after this: a date (ISO 8601) or an age ("15m", "2h")'),
  until: z.string().max(40).optional().describe('Only lines before this: a date or an age'),
  grep: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Keep only lines containing this text (case-insensitive)'),
  stream: z.enum(['both', 'stdout', 'stderr']).default('both').describe('Which output stream to read'),
  timestamps: z.boolean().default(false).describe("Prefix each line with the engine's timestamp"),
};

const logWindowSchema = z.object(logWindow);
export type LogWindow = z.output<typeof logWindowSchema>;

export interface ContainerLogs {
  id: string;
  name: string;
  lines: LogLine[];
  /** Lines read before grep and the byte cap. */
  scanned: number;
  truncated: boolean;
}

/** Read, demultiplex, filter and cap a container's logs. */
export async function readContainerLogs(
  ctx: ToolContext & DockerContext,
  ref: string,
  window: LogWindow,
): Promise<ContainerLogs> {
  const info = await inspectContainer(ctx, ref);
  const name = containerName(info.Name);
  const since = window.since ? parseLogTime(window.since, 'since') : undefined;
  const until = window.until ? parseLogTime(window.until, 'until') : undefined;
  if (since !== undefined && until !== undefined && since > until) {
    throw new GatewayError('ERR_INPUT_REJECTED', `since (${window.since}) is after until (${window.until}).`);
  }
  const body = await engineCall(ctx, `logs of container ${name}`, (e) =>
    e.getContainer(info.Id).logs({
      follow: false,
      stdout: window.stream !== 'stderr',
      stderr: window.stream !== 'stdout',
      tail: window.tail,
      timestamps: window.timestamps,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      abortSignal: ctx.signal,
    }),
  );
  const all = demuxLogs(Buffer.isBuffer(body) ? body : Buffer.from(String(body)), Boolean(info.Config.Tty));
  const needle = window.grep?.toLowerCase();
  const matching = needle ? all.filter((l) => l.text.toLowerCase().includes(needle)) : all;
  const capped = capLines(matching, ctx.docker.config.logs_max_bytes);
  return {
    id: info.Id.slice(0, 12),
    name,
    lines: capped.lines,
    scanned: all.length,
    truncated: capped.truncated,
  };
}

export const containerLogs = dockerTool({
  name: 'docker_container_logs',
  title: 'Docker: Container logs',
  description:
    'The newest log lines of a container, stdout and stderr separated, optionally within a time window and filtered by text. Capped at modules.docker.logs_max_bytes (older lines dropped first).',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    container: z.string().min(1).max(200).describe('Container id or name'),
    ...logWindow,
    format: formatArg,
  }),
  output: z.object({
    container: z.string(),
    lines: z.array(z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string() })),
    count: z.number().int(),
    scanned: z.number().int().describe('Lines read before the grep filter'),
    truncated: z.boolean().describe('True when older matching lines were dropped to fit the size cap'),
  }),
  handler: async ({ container, format: _format, ...window }, ctx) => {
    const logs = await readContainerLogs(ctx, container, window);
    return {
      container: logs.name,
      lines: logs.lines,
      count: logs.lines.length,
      scanned: logs.scanned,
      truncated: logs.truncated,
    };
  },
});

export const containerLogsAnalyze = dockerTool({
  name: 'docker_container_logs_analyze',
  title: 'Docker: Analyze container logs',
  description:
    "Read a container's recent logs (same window options as docker_container_logs) and summarise them with the gateway's log analyzer (the one system_logs_analyze uses): counts by severity, top repeated messages with variables normalised, first and last occurrence, a time histogram, and likely causes for well-known patterns.",
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    container: z.string().min(1).max(200).describe('Container id or name'),
    ...logWindow,
    tail: logWindow.tail.default(2000),
  }),
  output: z.object({
    container: z.string(),
    lines_analyzed: z.number().int(),
    truncated: z.boolean(),
    analysis: z.record(z.string(), z.unknown()),
  }),
  handler: async ({ container, ...window }, ctx) => {
    const logs = await readContainerLogs(ctx, container, window);
    const analysis = await analyzeLogLinesInSlices(
      logs.lines.map((l) => l.text),
      { signal: ctx.signal },
    );
    return {
      container: logs.name,
      lines_analyzed: logs.lines.length,
      truncated: logs.truncated,
      analysis: analysis as unknown as Record<string, unknown>,
    };
  },
});

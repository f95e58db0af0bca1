import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { parseWhen, whenArg } from '../../util/when.ts';
import { analysisSchema } from '../system/logs.ts';
import { analyzeLogLinesInSlices } from '../system/logs-analyzer.ts';
import { type DockerContext, dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer } from './engine.ts';
import { capLines, demuxLogs, type LogLine, logsCutNote, splitTimestamp } from './logs.ts';

export const logWindow = {
  tail: z.number().int().min(1).max(10_000).default(200).describe('How many of the newest lines to read'),
  since: whenArg('Only lines after this').optional(),
  until: whenArg('Only lines before this').optional(),
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

/** The window options of the analyzer: it always reads the engine's timestamps (its time analysis needs them). */
const { timestamps: _alwaysOn, ...analyzeWindow } = logWindow;
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
  const now = new Date();
  const unixSeconds = (text: string, field: string) =>
    Math.floor(parseWhen(text, now, field).getTime() / 1000);
  const since = window.since ? unixSeconds(window.since, 'since') : undefined;
  const until = window.until ? unixSeconds(window.until, 'until') : undefined;
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
  // The engine's timestamp prefix is not part of what a grep looks for.
  const message = window.timestamps ? (l: LogLine) => splitTimestamp(l.text).text : (l: LogLine) => l.text;
  const matching = needle ? all.filter((l) => message(l).toLowerCase().includes(needle)) : all;
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
    note: z.string().optional().describe('How to read what was dropped'),
  }),
  handler: async ({ container, format: _format, ...window }, ctx) => {
    const logs = await readContainerLogs(ctx, container, window);
    return {
      container: logs.name,
      lines: logs.lines,
      count: logs.lines.length,
      scanned: logs.scanned,
      truncated: logs.truncated,
      ...(logs.truncated ? { note: logsCutNote(ctx.docker.config.logs_max_bytes) } : {}),
    };
  },
});

export const containerLogsAnalyze = dockerTool({
  name: 'docker_container_logs_analyze',
  title: 'Docker: Analyze container logs',
  description:
    "Read a container's recent logs (same window options as docker_container_logs, with the engine's timestamps) and summarise them with the gateway's log analyzer (the one system_logs_analyze uses): counts by severity, top repeated messages with variables normalised, first and last occurrence, a time histogram, and likely causes for well-known patterns.",
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    container: z.string().min(1).max(200).describe('Container id or name'),
    ...analyzeWindow,
    tail: logWindow.tail.default(2000),
  }),
  output: z.object({
    container: z.string(),
    lines_analyzed: z.number().int(),
    truncated: z.boolean(),
    analysis: analysisSchema,
  }),
  handler: async ({ container, ...window }, ctx) => {
    const logs = await readContainerLogs(ctx, container, { ...window, timestamps: true });
    const analysis = await analyzeLogLinesInSlices(
      logs.lines.map((l) => {
        const { time, text } = splitTimestamp(l.text);
        return { message: text, ...(time !== undefined ? { time } : {}) };
      }),
      { signal: ctx.signal },
    );
    return {
      container: logs.name,
      lines_analyzed: logs.lines.length,
      truncated: logs.truncated,
      analysis,
    };
  },
});

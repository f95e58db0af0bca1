import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { compileLinearRegex } from '../../util/linear-regex.ts';
import { TimeSlice } from '../../util/time-slice.ts';
import { parseWhen, whenArg } from '../../util/when.ts';
import { type SystemContext, systemTool } from './context.ts';
import { analyzeLogLinesInSlices, type LogRecord, parseLogLine } from './logs-analyzer.ts';
import { journalEntry, journalNoteField, PRIORITIES, queryJournal } from './services.ts';
import type { JournalEntry } from './systemd.ts';

const FALLBACK_FILES = ['/var/log/syslog', '/var/log/messages'];
/** A pattern is tested against the first 8 KiB of a line (rsyslog's own default message limit). */
const MAX_MATCHED_LINE = 8192;

/** The last lines of the classic syslog file, for hosts without journald (read with the runner, so exec_prefix applies). */
async function tailSyslog(
  ctx: SystemContext & { signal: AbortSignal },
  lines: number,
  grep: string | undefined,
): Promise<{ source: string; lines: string[] }> {
  const matcher = grep ? compileLinearRegex(grep, { ignoreCase: true }) : undefined;
  // With a filter, read further back so enough lines survive it.
  const window = matcher ? Math.min(lines * 20, 200_000) : lines;
  for (const path of FALLBACK_FILES) {
    const result = await ctx.system.runner.run(['tail', '-n', String(window), path], {
      timeoutMs: ctx.system.config.command_timeout,
      signal: ctx.signal,
      outputCap: 64 * 1024 * 1024,
    });
    if (result.code !== 0) continue;
    const all = result.stdout.split('\n').filter(Boolean);
    if (!matcher) return { source: path, lines: all.slice(-lines) };
    // Up to 200,000 lines: filtered in slices so the event loop keeps answering meanwhile.
    const slice = new TimeSlice();
    const kept: string[] = [];
    for (const line of all) {
      await slice.pause();
      if (ctx.signal.aborted) break;
      if (matcher.test(line.slice(0, MAX_MATCHED_LINE))) kept.push(line);
    }
    return { source: path, lines: kept.slice(-lines) };
  }
  throw new GatewayError(
    'ERR_UPSTREAM_UNAVAILABLE',
    `This host has neither journalctl nor ${FALLBACK_FILES.join(' or ')}; use files_tail on the application's own log.`,
  );
}

function fromSyslogLine(line: string): JournalEntry {
  const record = parseLogLine(line);
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : null;
  return {
    time,
    priority: null,
    unit: null,
    identifier: record.source ?? null,
    pid: null,
    message: record.message,
  };
}

/** The syslog lines within since/until (lines whose time could not be read are kept). */
function inWindow(
  entries: JournalEntry[],
  since: string | undefined,
  until: string | undefined,
): JournalEntry[] {
  if (since === undefined && until === undefined) return entries;
  const now = new Date();
  const from = since === undefined ? -Infinity : parseWhen(since, now, 'since').getTime();
  const to = until === undefined ? Infinity : parseWhen(until, now, 'until').getTime();
  return entries.filter((e) => {
    const at = e.time ? Date.parse(e.time) : Number.NaN;
    return Number.isNaN(at) || (at >= from && at <= to);
  });
}

const queryInput = {
  unit: z.string().max(255).optional().describe('Only this systemd unit'),
  identifier: z.string().max(100).optional().describe('Only this syslog identifier (e.g. "sshd", "kernel")'),
  since: whenArg('Start of the window').optional(),
  until: whenArg('End of the window (default: now)').optional(),
  priority: z.enum(PRIORITIES).optional().describe('Only this priority and more severe'),
  grep: z
    .string()
    .max(200)
    .optional()
    .describe(
      'Only messages matching this regular expression (journalctl --grep; RE2 syntax where the syslog file is read instead)',
    ),
};

/** Journal entries for a query, or the syslog file's tail when journald is not there. */
async function readLogs(
  ctx: SystemContext & { signal: AbortSignal },
  input: z.infer<z.ZodObject<typeof queryInput>> & { lines: number },
) {
  try {
    return { source: 'journald', ...(await queryJournal(ctx, input)) };
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'ERR_UPSTREAM_UNAVAILABLE') throw error;
    if (input.unit)
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `Unit logs need journald, which this host lacks (${error.message}).`,
      );
    const fallback = await tailSyslog(ctx, input.lines, input.grep);
    const entries = inWindow(fallback.lines.map(fromSyslogLine), input.since, input.until);
    return { source: fallback.source, entries, truncated: false };
  }
}

export const logsQuery = systemTool({
  name: 'system_logs_query',
  title: 'System: Query logs',
  description:
    'System log lines from journald (falling back to /var/log/syslog or /var/log/messages), filtered by unit, identifier, time, priority and pattern.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    ...queryInput,
    lines: z.number().int().min(1).max(5000).default(200).describe('At most this many lines, newest kept'),
    format: formatArg,
  }),
  output: z.object({
    source: z.string().describe('journald, or the file read instead'),
    entries: z.array(journalEntry),
    truncated: z.boolean(),
    note: journalNoteField,
  }),
  handler: (input, ctx) => readLogs(ctx, input),
});

/** What the shared log analyzer returns (system_logs_analyze, docker_container_logs_analyze). */
export const analysisSchema = z.object({
  total_lines: z.number(),
  blank_lines: z.number(),
  lines_with_time: z.number(),
  first: z.string().nullable(),
  last: z.string().nullable(),
  by_severity: z.record(z.string(), z.number()),
  top_messages: z.array(
    z.object({
      template: z.string(),
      count: z.number(),
      severity: z.string(),
      sources: z.array(z.string()),
      first: z.string().nullable(),
      last: z.string().nullable(),
      example: z.string(),
    }),
  ),
  distinct_messages: z.number(),
  histogram: z.object({
    bucket_seconds: z.number(),
    buckets: z.array(z.object({ start: z.string(), count: z.number(), errors: z.number() })),
  }),
  findings: z.array(
    z.object({
      kind: z.string(),
      title: z.string(),
      count: z.number(),
      first: z.string().nullable(),
      last: z.string().nullable(),
      subjects: z.array(z.object({ name: z.string(), count: z.number() })),
      likely_cause: z.string(),
      suggestion: z.string(),
      examples: z.array(z.string()),
      peak_per_minute: z.number(),
    }),
  ),
});

export const logsAnalyze = systemTool({
  name: 'system_logs_analyze',
  title: 'System: Analyze logs',
  description:
    'Summarise system logs the way a human would: counts by severity, top repeated messages (variables normalised), first/last times, a time histogram, and likely causes for known patterns (OOM kills, disk full, failed-auth bursts, segfaults, restart loops). Asks the client model for a root-cause paragraph when it offers sampling.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    ...queryInput,
    lines: z.number().int().min(1).max(100_000).default(10_000).describe('Most recent lines to analyse'),
    root_cause: z
      .boolean()
      .default(true)
      .describe('Ask the client model for a root-cause paragraph (sampling)'),
  }),
  output: z.object({
    source: z.string(),
    note: journalNoteField,
    analysis: analysisSchema,
    root_cause: z
      .string()
      .nullable()
      .describe("The client model's paragraph; absent when the client offers no sampling"),
  }),
  handler: async (input, ctx) => {
    const logs = await readLogs(ctx, input);
    const records: LogRecord[] = logs.entries.map((e) => ({
      message: e.message,
      time: e.time ? Date.parse(e.time) : undefined,
      priority: e.priority ?? undefined,
      source: e.unit ?? e.identifier ?? undefined,
    }));
    const analysis = await analyzeLogLinesInSlices(records, { signal: ctx.signal });
    let rootCause: string | null = null;
    if (input.root_cause && ctx.client.canSample && analysis.total_lines > 0) {
      const summary = JSON.stringify({
        by_severity: analysis.by_severity,
        findings: analysis.findings.map(({ kind, count, subjects, examples, first, last }) => ({
          kind,
          count,
          subjects,
          examples,
          first,
          last,
        })),
        top_messages: analysis.top_messages.slice(0, 10),
      });
      rootCause =
        (await ctx.sample({
          systemPrompt: 'You are a Linux site-reliability engineer. Be concrete and brief.',
          prompt: `Here is a summary of a host's logs${input.unit ? ` for ${input.unit}` : ''}. In one paragraph, state the most likely root cause of the problems and the first thing to check.\n\n${summary}`,
          maxTokens: 400,
        })) ?? null;
    }
    return { source: logs.source, note: logs.note, analysis, root_cause: rootCause };
  },
});

export const logTools = [logsQuery, logsAnalyze];

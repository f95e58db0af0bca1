/**
 * A reusable log analyzer: pure functions, no I/O, no gateway types.
 *
 *   import { analyzeLogLines } from './logs-analyzer.ts';
 *   const summary = analyzeLogLines(lines);            // lines: Iterable<string | LogRecord>
 *
 * or, for a stream: `const a = new LogAnalyzer(); for (...) a.add(line); a.result()`.
 *
 * Lines may be journald JSON (`journalctl -o json`), syslog/`journalctl` short
 * text ("Nov 23 09:03:26 host sshd[812]: ..."), ISO-timestamped text (RFC 3339,
 * as `journalctl -o short-iso` and `docker logs -t` print), or bare messages.
 * The summary has counts by severity, the most repeated messages with their
 * variable parts normalised, first/last times, a time histogram, and findings
 * for well-known failure patterns (OOM kills, disk full, failed-auth bursts,
 * segfaults, restart loops, ...).
 */
import { TimeSlice } from '../../util/time-slice.ts';
import { inferPriority, normaliseMessage, parseLogLine } from './log-parse.ts';
import { PATTERN_RULES } from './log-patterns.ts';

export { normaliseMessage, parseLogLine };

export const SEVERITIES = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One already-parsed log entry (what a caller with structured logs passes instead of a line). */
export interface LogRecord {
  message: string;
  /** Milliseconds since the epoch, or a Date. */
  time?: number | Date;
  /** Syslog priority 0 (emergency) … 7 (debug). Inferred from the text when absent. */
  priority?: number;
  /** The program or unit that wrote it. */
  source?: string;
}

export interface AnalyzeOptions {
  /** How many repeated messages to return (default 15). */
  top?: number;
  /** Histogram buckets wanted at most (default 24); the bucket width is a round interval. */
  buckets?: number;
  /** Year for syslog timestamps that carry none (default: the current year). */
  year?: number;
  /** Distinct message templates tracked at most (default 20,000); the rest count as "other". */
  maxTemplates?: number;
}

export interface RepeatedMessage {
  template: string;
  count: number;
  severity: Severity;
  sources: string[];
  first: string | null;
  last: string | null;
  example: string;
}

export interface Finding {
  kind: string;
  title: string;
  count: number;
  first: string | null;
  last: string | null;
  /** What the finding is about (processes, units, source addresses), most frequent first. */
  subjects: { name: string; count: number }[];
  likely_cause: string;
  suggestion: string;
  examples: string[];
  /** Most matches within any one minute (a burst when high). */
  peak_per_minute: number;
}

export interface LogAnalysis {
  total_lines: number;
  blank_lines: number;
  lines_with_time: number;
  first: string | null;
  last: string | null;
  by_severity: Record<Severity, number>;
  top_messages: RepeatedMessage[];
  distinct_messages: number;
  histogram: { bucket_seconds: number; buckets: { start: string; count: number; errors: number }[] };
  findings: Finding[];
}

/**
 * Longest line (or record message) analysed, in characters; the rest of a longer one is left out.
 * Every step below is linear in the line, so this bounds the work per line; the example kept and
 * the template are shorter still (500).
 */
export const MAX_ANALYZED_LINE = 8192;

/** Every rule in one expression, so the common line that matches none costs a single test. */
const ANY_PATTERN = new RegExp(PATTERN_RULES.map((rule) => `(?:${rule.test.source})`).join('|'), 'i');

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const ROUND_BUCKETS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400];

interface Template {
  count: number;
  priority: number;
  sources: Map<string, number>;
  first: number | undefined;
  last: number | undefined;
  example: string;
}

interface FindingState {
  count: number;
  first: number | undefined;
  last: number | undefined;
  subjects: Map<string, number>;
  examples: string[];
  minutes: Map<number, number>;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const topOf = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => ({ name, count }));
const minMax = (a: number | undefined, b: number, pick: typeof Math.min) =>
  a === undefined ? b : pick(a, b);

/** Accumulates lines one at a time (constant memory per distinct message); `result()` summarises. */
export class LogAnalyzer {
  private readonly options: Required<AnalyzeOptions>;
  private total = 0;
  private blank = 0;
  private readonly severity = new Array<number>(8).fill(0);
  private readonly templates = new Map<string, Template>();
  private overflow = 0;
  private readonly times: number[] = [];
  private readonly errorTimes: number[] = [];
  private readonly findings = new Map<string, FindingState>();

  constructor(options: AnalyzeOptions = {}) {
    this.options = {
      top: options.top ?? 15,
      buckets: options.buckets ?? 24,
      year: options.year ?? new Date().getFullYear(),
      maxTemplates: options.maxTemplates ?? 20_000,
    };
  }

  add(input: string | LogRecord): void {
    this.total++;
    if (typeof input === 'string' && input.trim() === '') {
      this.blank++;
      return;
    }
    const record =
      typeof input === 'string'
        ? parseLogLine(input.slice(0, MAX_ANALYZED_LINE), this.options.year)
        : { ...input, message: input.message.slice(0, MAX_ANALYZED_LINE) };
    const time = record.time instanceof Date ? record.time.getTime() : record.time;
    const priority = record.priority ?? inferPriority(record.message);
    this.severity[Math.min(7, Math.max(0, priority))]!++;
    if (time !== undefined) {
      this.times.push(time);
      if (priority <= 3) this.errorTimes.push(time);
    }
    const key = normaliseMessage(record.message);
    let template = this.templates.get(key);
    if (!template && this.templates.size < this.options.maxTemplates) {
      template = {
        count: 0,
        priority,
        sources: new Map(),
        first: time,
        last: time,
        example: record.message.slice(0, 500),
      };
      this.templates.set(key, template);
    }
    if (template) {
      template.count++;
      template.priority = Math.min(template.priority, priority);
      if (record.source && template.sources.size < 20) bump(template.sources, record.source);
      if (time !== undefined) {
        template.first = minMax(template.first, time, Math.min);
        template.last = minMax(template.last, time, Math.max);
      }
    } else this.overflow++;
    this.matchPatterns(record.message, time);
  }

  private matchPatterns(message: string, time: number | undefined): void {
    if (!ANY_PATTERN.test(message)) return;
    for (const rule of PATTERN_RULES) {
      const match = rule.test.exec(message);
      if (!match || (rule.confirm && !rule.confirm(message))) continue;
      let state = this.findings.get(rule.kind);
      if (!state) {
        state = {
          count: 0,
          first: undefined,
          last: undefined,
          subjects: new Map(),
          examples: [],
          minutes: new Map(),
        };
        this.findings.set(rule.kind, state);
      }
      state.count++;
      if (time !== undefined) {
        state.first = minMax(state.first, time, Math.min);
        state.last = minMax(state.last, time, Math.max);
        const minute = Math.floor(time / 60_000);
        state.minutes.set(minute, (state.minutes.get(minute) ?? 0) + 1);
      }
      const subject = rule.subject?.(match, message);
      if (subject && state.subjects.size < 1000) bump(state.subjects, subject);
      if (state.examples.length < 3) state.examples.push(message.slice(0, 300));
      return; // one finding per line: rules are ordered most specific first
    }
  }

  private histogram(first: number | undefined, last: number | undefined): LogAnalysis['histogram'] {
    if (first === undefined || last === undefined) return { bucket_seconds: 0, buckets: [] };
    const span = Math.max(1, (last - first) / 1000);
    const width =
      ROUND_BUCKETS.find((w) => span / w <= this.options.buckets) ?? Math.ceil(span / this.options.buckets);
    const start = Math.floor(first / 1000 / width) * width * 1000;
    const count = Math.floor((last - start) / 1000 / width) + 1;
    const buckets = Array.from({ length: count }, (_, i) => ({
      start: new Date(start + i * width * 1000).toISOString(),
      count: 0,
      errors: 0,
    }));
    const slot = (t: number) => Math.min(count - 1, Math.floor((t - start) / 1000 / width));
    for (const t of this.times) buckets[slot(t)]!.count++;
    for (const t of this.errorTimes) buckets[slot(t)]!.errors++;
    return { bucket_seconds: width, buckets };
  }

  result(): LogAnalysis {
    let first: number | undefined;
    let last: number | undefined;
    for (const t of this.times) {
      if (first === undefined || t < first) first = t;
      if (last === undefined || t > last) last = t;
    }
    const by_severity = Object.fromEntries(SEVERITIES.map((name, i) => [name, this.severity[i]!])) as Record<
      Severity,
      number
    >;
    const top_messages = [...this.templates.entries()]
      .sort((a, b) => b[1].count - a[1].count || a[1].priority - b[1].priority)
      .slice(0, this.options.top)
      .map(([templateText, t]) => ({
        template: templateText,
        count: t.count,
        severity: SEVERITIES[t.priority]!,
        sources: topOf(t.sources, 3).map((s) => s.name),
        first: iso(t.first),
        last: iso(t.last),
        example: t.example,
      }));
    const findings = PATTERN_RULES.flatMap((rule) => {
      const state = this.findings.get(rule.kind);
      if (!state) return [];
      return [
        {
          kind: rule.kind,
          title: rule.title,
          count: state.count,
          first: iso(state.first),
          last: iso(state.last),
          subjects: topOf(state.subjects, 5),
          likely_cause: rule.likelyCause,
          suggestion: rule.suggestion,
          examples: state.examples,
          peak_per_minute: [...state.minutes.values()].reduce((a, b) => (b > a ? b : a), 0),
        },
      ];
    }).sort((a, b) => b.count - a.count);
    return {
      total_lines: this.total,
      blank_lines: this.blank,
      lines_with_time: this.times.length,
      first: iso(first),
      last: iso(last),
      by_severity,
      top_messages,
      distinct_messages: this.templates.size + (this.overflow > 0 ? 1 : 0),
      histogram: this.histogram(first, last),
      findings,
    };
  }
}

/** Summarise log lines (or records) in one call. See the module comment for the formats understood. */
export function analyzeLogLines(
  lines: Iterable<string | LogRecord>,
  options: AnalyzeOptions = {},
): LogAnalysis {
  const analyzer = new LogAnalyzer(options);
  for (const line of lines) analyzer.add(line);
  return analyzer.result();
}

/**
 * The same, for a daemon's tool: 100,000 lines of analysis is about a second of CPU, so it is
 * done in slices that hand the event loop back (and stops early when `signal` aborts).
 */
export async function analyzeLogLinesInSlices(
  lines: Iterable<string | LogRecord>,
  options: AnalyzeOptions & { signal?: AbortSignal } = {},
): Promise<LogAnalysis> {
  const analyzer = new LogAnalyzer(options);
  const slice = new TimeSlice();
  for (const line of lines) {
    await slice.pause();
    if (options.signal?.aborted) break;
    analyzer.add(line);
  }
  return analyzer.result();
}

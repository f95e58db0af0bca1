/**
 * Line parsing and message normalising for the log analyzer (see logs-analyzer.ts for the API).
 */
import type { LogRecord } from './logs-analyzer.ts';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+/;
const SYSLOG_PREFIX = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s+/;
const HOST_IDENT = /^(\S+) ([^\s:[\]]+)(?:\[(\d+)\])?: (.*)$/s;
const KEYWORD_SEVERITY: [RegExp, number][] = [
  [/\b(?:emerg(?:ency)?|panic)\b/i, 0],
  [/\b(?:fatal|crit(?:ical)?)\b/i, 2],
  [/\b(?:err(?:or)?|fail(?:ed|ure)?|denied|refused|exception|segfault|killed)\b/i, 3],
  [/\b(?:warn(?:ing)?|deprecated|timed? ?out)\b/i, 4],
  [/\b(?:debug|trace)\b/i, 7],
];
const LEVEL_FIELD =
  /\blevel=("?)(\w+)\1|"level":"(\w+)"|\[(DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRIT(?:ICAL)?)\]/i;
const LEVEL_NAMES: Record<string, number> = {
  emerg: 0,
  panic: 0,
  alert: 1,
  fatal: 2,
  crit: 2,
  critical: 2,
  err: 3,
  error: 3,
  warn: 4,
  warning: 4,
  notice: 5,
  info: 6,
  information: 6,
  debug: 7,
  trace: 7,
};

// One pass over the message; the first alternative that matches at a position wins.
const VARIABLE_PARTS = new RegExp(
  [
    /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/.source, // uuid
    /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/.source, // ipv4[:port]
    /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/.source, // ipv6 (or a MAC, which looks alike)
    /\b0x[0-9a-f]+\b/.source, // 0x… hex
    /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/.source, // long hex ids
    /\d+(?:\.\d+)?/.source, // numbers
  ]
    .map((source) => `(${source})`)
    .join('|'),
  'gi',
);
const TOKENS = ['<uuid>', '<ip>', '<ip>', '<hex>', '<hex>', '<n>'];

/** Replace the variable parts of a message (numbers, addresses, ids) so repeats group together. */
export function normaliseMessage(message: string): string {
  const text = message.length > 500 ? message.slice(0, 500) : message;
  return text.replace(VARIABLE_PARTS, (...groups: unknown[]) => {
    for (let i = 0; i < TOKENS.length; i++) if (groups[i + 1] !== undefined) return TOKENS[i]!;
    return String(groups[0]);
  });
}

/** Parse one line of any supported format into a record (never throws). */
export function parseLogLine(line: string, year = new Date().getFullYear()): LogRecord {
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const message = Array.isArray(entry.MESSAGE)
        ? Buffer.from(entry.MESSAGE as number[]).toString('utf8')
        : String(entry.MESSAGE ?? entry.message ?? entry.msg ?? '');
      const micros = entry.__REALTIME_TIMESTAMP;
      const time = micros ? Number(micros) / 1000 : Date.parse(String(entry.time ?? entry.timestamp ?? ''));
      const level = entry.PRIORITY ?? entry.level;
      const priority =
        typeof level === 'string' && /^\d$/.test(level)
          ? Number(level)
          : typeof level === 'number' && level <= 7
            ? level
            : typeof level === 'string'
              ? LEVEL_NAMES[level.toLowerCase()]
              : undefined;
      const source = (entry._SYSTEMD_UNIT ?? entry.SYSLOG_IDENTIFIER ?? entry._COMM) as string | undefined;
      return { message, time: Number.isFinite(time) ? time : undefined, priority, source };
    } catch {
      // not JSON after all: fall through to text
    }
  }
  let rest = line;
  let time: number | undefined;
  let iso = ISO_PREFIX.exec(rest);
  if (iso) {
    const parsed = Date.parse(iso[1]!.replace(',', '.').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isFinite(parsed)) time = parsed;
    rest = rest.slice(iso[0].length);
  } else {
    const sys = SYSLOG_PREFIX.exec(rest);
    if (sys && sys[1]! in MONTHS) {
      const [, mon, day, h, m, s] = sys;
      time = new Date(year, MONTHS[mon!]!, Number(day), Number(h), Number(m), Number(s)).getTime();
      // A syslog date more than a day ahead belongs to last year (the log spans New Year).
      if (time - Date.now() > 86_400_000)
        time = new Date(year - 1, MONTHS[mon!]!, Number(day), Number(h), Number(m), Number(s)).getTime();
      rest = rest.slice(sys[0].length);
      iso = null;
    }
  }
  let source: string | undefined;
  const hostIdent = time !== undefined ? HOST_IDENT.exec(rest) : null;
  if (hostIdent) {
    source = hostIdent[2];
    rest = hostIdent[4]!;
  }
  return { message: rest, time, source };
}

export function inferPriority(message: string): number {
  const field = LEVEL_FIELD.exec(message);
  if (field) {
    const name = (field[2] ?? field[3] ?? field[4] ?? '').toLowerCase();
    if (name in LEVEL_NAMES) return LEVEL_NAMES[name]!;
  }
  for (const [re, priority] of KEYWORD_SEVERITY) if (re.test(message)) return priority;
  return 6;
}

import { z } from 'zod';
import { GatewayError } from '../errors.ts';

/**
 * The one grammar for points in time that tools accept (since, until, from, to, …).
 * Words other than ISO forms are read in the gateway's local time zone.
 */
export const WHEN_GRAMMAR =
  '"now"; an age such as "15m", "2h", "1d12h" or "2h ago" (that long before now); "in 2h" or "+2h" (after now); ' +
  '"today", "yesterday", optionally with a time ("yesterday 01:00"); a time of day "01:00" (today); ' +
  '"2026-01-31", "2026-01-31 12:00" (local time) or ISO 8601 with a zone ("2026-01-31T12:00:00Z"); "@1767225600" (unix seconds)';

const MAX_LENGTH = 64;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

// Every pattern below is anchored and has no nested quantifier; inputs are cut to MAX_LENGTH first.
const AGE_PART = /(\d{1,6}(?:\.\d{1,3})?)\s*([a-z]{1,7})\s*/y;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const EPOCH = /^@(\d{1,12})$/;

/** "15m", "2h", "1d12h", "90 seconds" → milliseconds; undefined when it is not an age. */
export function parseAge(text: string): number | undefined {
  const input = text.trim().toLowerCase();
  if (!input || input.length > MAX_LENGTH) return undefined;
  let total = 0;
  AGE_PART.lastIndex = 0;
  while (AGE_PART.lastIndex < input.length) {
    const at = AGE_PART.lastIndex;
    const match = AGE_PART.exec(input);
    if (!match || match.index !== at) return undefined;
    const unit = UNIT_MS[match[2]!];
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
  }
  return Math.round(total);
}

function invalid(text: string, field: string): GatewayError {
  return new GatewayError(
    'ERR_INPUT_REJECTED',
    `${field} "${text.slice(0, MAX_LENGTH)}" is not a time this gateway understands. Use ${WHEN_GRAMMAR}.`,
  );
}

function atTimeOfDay(day: Date, clock: string): Date | undefined {
  const match = TIME_OF_DAY.exec(clock);
  if (!match) return undefined;
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const out = new Date(day);
  out.setHours(hours, minutes, seconds, 0);
  return out;
}

function startOfDay(now: Date, daysBack: number): Date {
  const day = new Date(now);
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() - daysBack);
  return day;
}

function localDateTime(text: string): Date | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const [hours, minutes, seconds] = [Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0)];
  const date = new Date(year, month - 1, day, hours, minutes, seconds, 0);
  // new Date rolls 2026-02-31 over into March; a date that does not exist is an error, not a guess.
  const exact =
    date.getFullYear() === year &&
    date.getMonth() === month - 1 &&
    date.getDate() === day &&
    date.getHours() === hours &&
    date.getMinutes() === minutes;
  return exact && seconds <= 59 ? date : undefined;
}

function relative(input: string, now: Date): Date | undefined {
  if (input === 'now') return new Date(now);
  let sign = -1;
  let body = input;
  if (body.endsWith(' ago')) body = body.slice(0, -4);
  else if (body.startsWith('-')) body = body.slice(1);
  else if (body.startsWith('+')) [sign, body] = [1, body.slice(1)];
  else if (body.startsWith('in ')) [sign, body] = [1, body.slice(3)];
  const age = parseAge(body);
  return age === undefined ? undefined : new Date(now.getTime() + sign * age);
}

function dayWord(input: string, now: Date): Date | undefined {
  const [word, clock, ...rest] = input.split(/\s+/);
  if (rest.length > 0) return undefined;
  const back = word === 'today' ? 0 : word === 'yesterday' ? 1 : undefined;
  if (back === undefined) return undefined;
  const day = startOfDay(now, back);
  return clock === undefined ? day : atTimeOfDay(day, clock);
}

/**
 * A point in time written in the gateway's one grammar (see WHEN_GRAMMAR), relative to `now`.
 * Throws ERR_INPUT_REJECTED naming `field` and the accepted forms.
 */
export function parseWhen(text: string, now: Date = new Date(), field = 'time'): Date {
  if (text.length > MAX_LENGTH) throw invalid(text, field);
  const input = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const epoch = EPOCH.exec(input);
  const date =
    (epoch ? new Date(Number(epoch[1]) * 1000) : undefined) ??
    relative(input, now) ??
    dayWord(input, now) ??
    atTimeOfDay(startOfDay(now, 0), input) ??
    localDateTime(input) ??
    (ZONED_ISO.test(input) ? new Date(input.toUpperCase()) : undefined);
  if (!date || Number.isNaN(date.getTime())) throw invalid(text, field);
  return date;
}

/** A time range; `from` defaults to `defaultFrom` before `to`, and must come before it. */
export function parseRange(
  range: { from?: string; to?: string },
  options: { now?: Date; defaultFrom: string; fromField?: string; toField?: string },
): { from: Date; to: Date } {
  const now = options.now ?? new Date();
  const to = range.to === undefined ? now : parseWhen(range.to, now, options.toField ?? 'to');
  const from = parseWhen(
    range.from ?? options.defaultFrom,
    range.from === undefined ? to : now,
    options.fromField ?? 'from',
  );
  if (from.getTime() >= to.getTime()) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The range starts (${from.toISOString()}) at or after it ends (${to.toISOString()}); give an earlier ${options.fromField ?? 'from'}.`,
    );
  }
  return { from, to };
}

/**
 * The zod field for a time argument: checked when the call is validated (so a bad time never reaches
 * an approver), kept as the caller's text (so an approval binds the words, not a moment), and
 * turned into a Date by the handler with parseWhen.
 */
export function whenArg(what: string) {
  return z
    .string()
    .max(MAX_LENGTH)
    .refine(
      (value) => {
        try {
          parseWhen(value);
          return true;
        } catch {
          return false;
        }
      },
      { error: `not a time; use ${WHEN_GRAMMAR}` },
    )
    .describe(`${what}: e.g. "2h ago", "yesterday 01:00", "2026-01-31 12:00", ISO 8601`);
}

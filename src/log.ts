import pino, { type Logger } from 'pino';
import { maskSecretsInText } from './audit/secrets.ts';
import { boundValue } from './util/bounded.ts';
import { terminalSafeJson } from './util/terminal-safe.ts';

export type { Logger };

/** Header and field names whose values are never written to a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
];

export interface LogOptions {
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to inspect lines. */
  destination?: NodeJS.WritableStream;
}

/**
 * Every field of a log line is cut to a bounded size: fields carry caller text (a session id, a
 * URL, an error quoting a tool name), and one request must not write megabytes to the journal.
 * Errors go through their serializer first, then the same cut.
 */
function boundFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    const value = fields[key];
    out[key] = value instanceof Error ? value : boundValue(value);
  }
  return out;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tailwarden' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: boundFields },
      serializers: { err: (error: Error) => boundValue({ ...pino.stdSerializers.err(error) }) },
      // Every line, whatever logged it (requests, errors with their causes), passes the secret detector
      // last; then C1 controls and bidi overrides become \u escapes: `journalctl -f` on a terminal
      // shows, not obeys, them.
      hooks: { streamWrite: (line) => terminalSafeJson(maskSecretsInText(line)) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that drops everything (CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import pino, { type Logger } from 'pino';

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

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tailwarden' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that drops everything (CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

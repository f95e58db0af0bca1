import { z } from 'zod';

/**
 * Field builders shared by every config section. Each field carries its own
 * description (and, where the derived name is not wanted, its environment
 * variable) as zod metadata, so the schema is the reference documentation.
 */
export interface FieldMeta {
  [key: string]: unknown;
  description: string;
  /** Environment variable name; derived from the key path when absent. */
  env?: string;
  /** Masked by `config --print` and never logged. */
  secret?: boolean;
  /** Refused in the config file: only the environment (file) may set it. */
  envOnly?: boolean;
  /** How the value is written in YAML/env when it is not obvious from the type. */
  format?: 'duration' | 'bytes' | 'list' | 'json' | 'url' | 'host:port';
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** "30s", "15m", "2h", "90d" or a number of milliseconds → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = DURATION_RE.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration (use e.g. 30s, 15m, 2h, 90d)`);
  return Math.round(Number(match[1]) * UNITS_MS[match[2]!]!);
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
};

/** "1MiB", "512KiB" or a number of bytes → bytes. */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(value.trim());
  const unit = (match?.[2] ?? 'b').toLowerCase();
  if (!match || !(unit in SIZE_UNITS)) throw new Error(`"${value}" is not a size (use e.g. 1MiB, 512KiB)`);
  return Math.round(Number(match[1]) * SIZE_UNITS[unit]!);
}

function refineParse(parse: (v: string | number) => number) {
  return (value: string | number, ctx: z.RefinementCtx): number => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  };
}

export function duration(defaultValue: string, meta: FieldMeta) {
  return z
    .union([z.number().int().nonnegative(), z.string()])
    .transform(refineParse(parseDuration))
    .meta({ ...meta, format: 'duration' })
    .prefault(defaultValue); // prefault: the default text goes through the transform too
}

export function bytes(defaultValue: string, meta: FieldMeta) {
  return z
    .union([z.number().int().positive(), z.string()])
    .transform(refineParse(parseBytes))
    .meta({ ...meta, format: 'bytes' })
    .prefault(defaultValue);
}

export function str(defaultValue: string, meta: FieldMeta) {
  return z.string().meta(meta).default(defaultValue);
}

export function optionalStr(meta: FieldMeta) {
  return z.string().min(1).meta(meta).optional();
}

export function bool(defaultValue: boolean, meta: FieldMeta) {
  return z.boolean().meta(meta).default(defaultValue);
}

export function int(defaultValue: number, meta: FieldMeta, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.number().int().min(min).max(max).meta(meta).default(defaultValue);
}

export function list(defaultValue: string[], meta: FieldMeta, item: z.ZodType<string> = z.string().min(1)) {
  return z
    .array(item)
    .meta({ ...meta, format: 'list' })
    .default(defaultValue);
}

export function enumOf<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  meta: FieldMeta,
) {
  return z
    .enum(values)
    .meta(meta)
    .default(defaultValue as never);
}

/** A config section: a strict object whose every field has a default, so `{}` is valid. */
export function section<T extends z.ZodRawShape>(shape: T, description: string) {
  return z
    .strictObject(shape)
    .meta({ description })
    .prefault({} as never);
}

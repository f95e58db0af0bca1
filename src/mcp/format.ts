import { encode } from '@toon-format/toon';
import { z } from 'zod';

/** The `format` argument of list-heavy tools: TOON is a compact tabular text for models. */
export const formatArg = z
  .enum(['json', 'toon'])
  .default('json')
  .describe('Result text: json, or toon (compact tables, fewer tokens)');

export type OutputFormat = z.infer<typeof formatArg>;

/** The text content of a result: compact JSON, or TOON when the caller asked for it. */
export function renderText(output: unknown, format: unknown): string {
  return format === 'toon' ? encode(flattenRowLists(output)) : JSON.stringify(output);
}

const isPlain = (v: unknown) => v === null || typeof v !== 'object';
const isRow = (v: unknown) => !isPlain(v) && !Array.isArray(v);

/**
 * Results leave out fields that have no value; in a list of rows a field absent
 * from some rows becomes an empty (null) cell there, so TOON keeps one table.
 */
function uniformRows(rows: unknown[]): unknown[] {
  if (rows.length < 2 || !rows.every(isRow)) return rows;
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row as object)) keys.add(key);
  if (rows.every((row) => Object.keys(row as object).length === keys.size)) return rows;
  return rows.map((row) => {
    const full: Record<string, unknown> = {};
    for (const key of keys) full[key] = (row as Record<string, unknown>)[key] ?? null;
    return full;
  });
}

/**
 * In a row of a list (an object inside an array), a list of plain values becomes
 * one space-separated cell, so the rows stay one compact table instead of
 * falling back to a key per line (e.g. a device's addresses or tags). A pre-pass
 * rather than an encode replacer: the replacer makes encoding ~3x slower.
 */
function flattenRowLists(value: unknown, inRow = false): unknown {
  if (Array.isArray(value)) {
    if (inRow && value.every(isPlain)) return value.join(' ');
    return uniformRows(value.map((item) => flattenRowLists(item, !isPlain(item) && !Array.isArray(item))));
  }
  if (isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      inRow && Array.isArray(child) && child.every(isPlain) ? child.join(' ') : flattenRowLists(child);
  }
  return out;
}

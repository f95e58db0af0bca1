import { encode } from '@toon-format/toon';
import { z } from 'zod';

/** The `format` argument of list-heavy tools: TOON is a compact tabular text for models. */
export const formatArg = z
  .enum(['json', 'toon'])
  .default('json')
  .describe('Text form of the result: "json", or "toon" (compact tables, fewer tokens).');

export type OutputFormat = z.infer<typeof formatArg>;

/** The text content of a result: compact JSON, or TOON when the caller asked for it. */
export function renderText(output: unknown, format: unknown): string {
  return format === 'toon' ? encode(output) : JSON.stringify(output);
}

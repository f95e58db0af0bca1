import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { boundedAll } from './http.ts';

export interface Outcome {
  ok: boolean;
  /** The ERR_* code of a refusal, or "ok". */
  code: string;
  /** Everything the caller got back, as text: the error message or the JSON result. */
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: attack tests look into arbitrary results
  data?: any;
}

/** Call a tool and describe what came back, without failing on a refusal. */
export async function outcome(client: Client, name: string, args: Record<string, unknown>): Promise<Outcome> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: { type: string; text: string }[];
    structuredContent?: unknown;
  };
  const text = result.content.map((c) => c.text ?? '').join('\n');
  if (result.isError) return { ok: false, code: /\[(ERR_[A-Z_]+)\]/.exec(text)?.[1] ?? 'no-code', text };
  return {
    ok: true,
    code: 'ok',
    text: `${text}\n${JSON.stringify(result.structuredContent)}`,
    data: result.structuredContent,
  };
}

/** Run `tasks` with at most `width` in flight (boundedAll), and keep their results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  await boundedAll(tasks, width, async (task, i) => {
    results[i] = await task();
  });
  return results;
}

/** Count outcomes by code, for the figures the tests print. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.code] = (counts[o.code] ?? 0) + 1;
  return counts;
}

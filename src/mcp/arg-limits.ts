import { z } from 'zod';
import type { ToolDefinition } from './tool.ts';

/**
 * A size check on raw tool arguments before the tool's schema sees them. Zod runs every check of
 * a string even after `.max()` has failed, so a 1 MiB string reached pattern and refine checks
 * (0.5–2 s of event loop for a domain name or a CIDR list). No string longer than the longest one
 * a tool declares can be valid, so such a call is refused here, in time independent of its size.
 */

/** The cap for a tool with a string parameter that declares no maxLength. */
export const DEFAULT_MAX_STRING = 64 * 1024;
/** Most values looked at; past that the schema (with its own item limits) decides. */
const MAX_VISITED = 10_000;

const limits = new WeakMap<object, number>();

function longestString(schema: unknown): number {
  let longest = 0;
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const s = node as { type?: unknown; maxLength?: number; enum?: unknown[] };
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.includes('string') && !s.enum) longest = Math.max(longest, s.maxLength ?? DEFAULT_MAX_STRING);
    for (const child of Object.values(node)) if (child && typeof child === 'object') walk(child);
  };
  walk(schema);
  // Enum strings and names of object keys are short; a tool without string parameters still gets a cap.
  return Math.max(longest, 1024);
}

/** The longest string any argument of `def` may hold (computed once per tool). */
export function argumentLimit(def: Pick<ToolDefinition, 'input'>): number {
  let limit = limits.get(def);
  if (limit === undefined) {
    limit = longestString(z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }));
    limits.set(def, limit);
  }
  return limit;
}

/** Why `args` cannot be valid for `def` by size alone (a string too long), or undefined. */
export function oversizedArgument(
  args: unknown,
  def: Pick<ToolDefinition, 'name' | 'input'>,
): string | undefined {
  const limit = argumentLimit(def);
  const queue: { value: unknown; path: string }[] = [{ value: args, path: '' }];
  for (let visited = 0; visited < queue.length && visited < MAX_VISITED; visited++) {
    const { value, path } = queue[visited]!;
    if (typeof value === 'string') {
      if (value.length > limit)
        return `Invalid arguments for ${def.name}: ${path || '(arguments)'} is ${value.length} characters long; no parameter of this tool takes more than ${limit}.`;
    } else if (value && typeof value === 'object') {
      for (const key in value) {
        if (key.length > limit)
          return `Invalid arguments for ${def.name}: an argument name is ${key.length} characters long.`;
        if (queue.length >= MAX_VISITED) break;
        queue.push({
          value: (value as Record<string, unknown>)[key],
          path: path ? `${path}.${key.slice(0, 64)}` : key.slice(0, 64),
        });
      }
    }
  }
  return undefined;
}

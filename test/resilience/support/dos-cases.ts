import type { Rng } from './random.ts';
import { type JsonSchema, stringProperties, validObject } from './schema-values.ts';

/**
 * Strings that cost a naive implementation unbounded CPU (issue 15 §1): glob and regex shapes that
 * backtrack exponentially or polynomially, runs that make "a.*b"-style scans quadratic, and sizes
 * near the body limit that reach every check a schema runs after its length check.
 */
export const DOS_STRINGS: readonly string[] = [
  '**********x',
  `${'*a'.repeat(12)}b`,
  '.*.*.*.*.*.*.*.*x',
  '(a+)+$',
  '(a|aa)*b',
  '(\\w+\\s?)*$',
  '(.*a){12}',
  '.{1000}',
  `${'['.repeat(100)}a`,
  `${'('.repeat(200)}a${')'.repeat(200)}`,
  'XFS '.repeat(5_000),
  `${'a'.repeat(100_000)}:+@`,
  'a.'.repeat(100_000),
  '/'.repeat(200_000),
  '1:'.repeat(100_000),
  'x'.repeat(300_000),
];

/** Where a tool needs a real value to reach its expensive part (a directory with long names, lines). */
export type Samples = Record<string, string>;

function booleanProperties(schema: JsonSchema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.type === 'boolean')
    .map(([name]) => name);
}

/**
 * A call of a tool that has string parameters: valid arguments (with samples for names such as
 * `path`), booleans flipped at random (so `regex: true` happens), and one string parameter set to
 * a DoS string. Derived from the registry: every tool, including new ones, gets these.
 */
export function dosStringCall(
  rng: Rng,
  tools: { name: string; inputSchema: JsonSchema }[],
  samples: Samples,
): { name: string; args: Record<string, unknown>; what: string } {
  const withStrings = tools.filter((tool) => stringProperties(tool.inputSchema).length > 0);
  const tool = rng.pick(withStrings);
  const args = validObject(tool.inputSchema, rng);
  for (const [name, value] of Object.entries(samples))
    if (tool.inputSchema.properties?.[name]?.type === 'string') args[name] = value;
  for (const name of booleanProperties(tool.inputSchema)) args[name] = rng.chance(0.5);
  const path = rng.pick(stringProperties(tool.inputSchema));
  let cursor = args;
  for (const key of path.slice(0, -1)) {
    cursor[key] ??= {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  const value = rng.pick(DOS_STRINGS);
  cursor[path.at(-1)!] = value;
  return {
    name: tool.name,
    args,
    what: `${tool.name}.${path.join('.')} = ${value.slice(0, 20)}… (${value.length})`,
  };
}

/** A batch far past the 100-message limit (a quadratic duplicate-id check took seconds on it). */
export function hugeBatch(rng: Rng): string {
  const size = rng.pick([101, 5_000, 20_000]);
  return JSON.stringify(Array.from({ length: size }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })));
}

import { HOSTILE_STRINGS, type Rng } from './random.ts';

/** The subset of JSON Schema that `z.toJSONSchema` produces for tool inputs. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.enum) return ['enum'];
  if (schema.const !== undefined) return ['const'];
  if (schema.anyOf ?? schema.oneOf) return [...(schema.anyOf ?? schema.oneOf ?? [])].flatMap(typesOf);
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** A value the schema accepts (as far as a generator can tell): the base a single mutation starts from. */
export function validValue(schema: JsonSchema, rng: Rng): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return rng.pick(schema.enum);
  if (schema.const !== undefined) return schema.const;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return validValue(rng.pick(alternatives), rng);
  const type = typesOf(schema)[0];
  switch (type) {
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return validObject(schema, rng);
    case 'null':
      return null;
    default:
      return 'x';
  }
}

export function validObject(schema: JsonSchema, rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name];
    out[name] = property ? validValue(property, rng) : 'x';
  }
  return out;
}

/** A value of the wrong JSON type (or out of range, or not in the enum) for the schema. */
export function wrongValue(schema: JsonSchema, rng: Rng): unknown {
  const types = new Set(typesOf(schema));
  const candidates: unknown[] = [];
  if (!types.has('string')) candidates.push('not-a-number', rng.pick(HOSTILE_STRINGS), '1', 'true');
  if (!types.has('number') && !types.has('integer')) candidates.push(0, -1, 1e308, 3.5);
  if (!types.has('boolean')) candidates.push(true, false);
  if (!types.has('null')) candidates.push(null);
  if (!types.has('array')) candidates.push([], [1, 'two', null]);
  if (!types.has('object')) candidates.push({}, { nested: { deeper: [] } });
  if (types.has('integer')) candidates.push(1.5, Number.MAX_SAFE_INTEGER * 4);
  if (schema.minimum !== undefined) candidates.push(schema.minimum - 1);
  if (schema.maximum !== undefined) candidates.push(schema.maximum + 1, 1e300);
  if (schema.maxLength !== undefined) candidates.push('y'.repeat(schema.maxLength + 1));
  if (schema.minLength !== undefined && schema.minLength > 0) candidates.push('');
  if (types.has('enum')) candidates.push('definitely-not-one-of-them', `${String(schema.enum?.[0])} `);
  return rng.pick(candidates);
}

/** Every string-typed property path of an object schema (one level; nested objects recurse). */
export function stringProperties(schema: JsonSchema, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const types = typesOf(property);
    if (types.includes('string')) out.push([...prefix, name]);
    if (types.includes('object')) out.push(...stringProperties(property, [...prefix, name]));
  }
  return out;
}

/** Arguments for a tool with exactly one property mutated (wrong type), missing, or an extra one added. */
export function mutatedArguments(schema: JsonSchema, rng: Rng): { args: unknown; what: string } {
  const base = validObject(schema, rng);
  const names = Object.keys(schema.properties ?? {});
  // Mostly invalid: an extra property is refused like a wrong value (tool inputs are strict).
  const roll = rng.int(0, 19);
  if (names.length > 0 && roll < 14) {
    const name = rng.pick(names);
    base[name] = wrongValue(schema.properties![name]!, rng);
    return { args: base, what: `wrong value for ${name}` };
  }
  if ((schema.required?.length ?? 0) > 0 && roll < 17) {
    const name = rng.pick(schema.required!);
    delete base[name];
    return { args: base, what: `missing ${name}` };
  }
  if (roll < 19) return { args: rng.pick([null, 'string', 42, [], true]), what: 'arguments not an object' };
  base[rng.pick(['__proto__', 'constructor', 'extra', 'approval_id', rng.pick(HOSTILE_STRINGS)])] =
    rng.pick(HOSTILE_STRINGS);
  return { args: base, what: 'extra property' };
}

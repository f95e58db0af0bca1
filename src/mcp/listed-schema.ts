import { z } from 'zod';

/**
 * The JSON Schemas a tool is listed with, as small as they can be without
 * losing what a client or a model needs: every tools/list costs each session
 * context. zod writes some things a schema does not need to say, and one thing
 * clients handle badly (`type: [X, "null"]`, which the MCP Inspector warns
 * about); this module removes the first and turns the second into an absent
 * field, with the matching pruning of results.
 */

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** True when the schema allows null (`type: [X, "null"]`, `anyOf: [X, {type: null}]`). */
function allowsNull(schema: Schema): boolean {
  if (Array.isArray(schema.type)) return schema.type.includes('null');
  return Array.isArray(schema.anyOf) && schema.anyOf.some((s) => isSchema(s) && s.type === 'null');
}

/** The schema without its null alternative. */
function withoutNull(schema: Schema): Schema {
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    return { ...schema, type: types.length === 1 ? types[0] : types };
  }
  const { anyOf, ...rest } = schema;
  const branches = (anyOf as unknown[]).filter((s) => !(isSchema(s) && s.type === 'null'));
  return branches.length === 1 ? { ...(branches[0] as Schema), ...rest } : { ...rest, anyOf: branches };
}

/** `anyOf` of constants of one type (a union of literals) as the shorter `enum`. */
function constsAsEnum(schema: Schema): Schema {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length < 2) return schema;
  const type = (branches[0] as Schema).type;
  const simple = branches.every(
    (b) => isSchema(b) && b.type === type && 'const' in b && Object.keys(b).length === 2,
  );
  if (!simple) return schema;
  const { anyOf: _anyOf, ...rest } = schema;
  return { ...rest, type, enum: branches.map((b) => (b as Schema).const) };
}

/**
 * One schema node, cleaned: no safe-integer bounds (every JSON integer a client
 * sends is one), no `propertyNames: {type: string}` (keys are strings), no
 * `additionalProperties: {}` (the default). In output schemas also no
 * `additionalProperties: false` (the server is the only writer), and a nullable
 * property becomes an optional one.
 */
function compactNode(node: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(node)) return node.map((item) => compactNode(item, io));
  if (!isSchema(node)) return node;
  const schema = constsAsEnum(node);
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'minimum' && value === SAFE_MIN) continue;
    if (key === 'maximum' && value === SAFE_MAX) continue;
    if (
      key === 'propertyNames' &&
      isSchema(value) &&
      value.type === 'string' &&
      Object.keys(value).length === 1
    )
      continue;
    if (key === 'additionalProperties' && isSchema(value) && Object.keys(value).length === 0) continue;
    if (key === 'additionalProperties' && value === false && io === 'output') continue;
    if (key === 'properties' && isSchema(value)) {
      out.properties = compactProperties(value, io);
      continue;
    }
    if (key === 'required') continue; // rebuilt with the properties
    out[key] = key === 'default' || key === 'const' || key === 'enum' ? value : compactNode(value, io);
  }
  if (Array.isArray(schema.required)) {
    const properties = schema.properties as Schema | undefined;
    const required = (schema.required as string[]).filter(
      (name) => io === 'input' || !(isSchema(properties?.[name]) && allowsNull(properties[name] as Schema)),
    );
    if (required.length > 0) out.required = required;
  }
  return out;
}

function compactProperties(properties: Schema, io: 'input' | 'output'): Schema {
  const out: Schema = {};
  for (const [name, prop] of Object.entries(properties)) {
    const nullable = io === 'output' && isSchema(prop) && allowsNull(prop);
    out[name] = compactNode(nullable ? withoutNull(prop as Schema) : prop, io);
  }
  return out;
}

/** A tool's input or output zod schema as the compact JSON Schema it is listed with. */
export function listedSchema(schema: z.ZodType, io: 'input' | 'output'): Schema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Schema;
  return compactNode(rest, io) as Schema;
}

/**
 * A function that removes the null-valued fields a listed output schema shows
 * as absent (nested ones too, following the raw schema), or undefined when the
 * output has no nullable field. Values the schema leaves open (labels, raw
 * policy JSON) are never touched.
 */
export function nullPruner(output: z.ZodType): ((value: unknown) => unknown) | undefined {
  const raw = z.toJSONSchema(output, { io: 'output', unrepresentable: 'any' }) as Schema;
  return hasNullableProperty(raw) ? (value) => prune(raw, value) : undefined;
}

function hasNullableProperty(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasNullableProperty);
  if (!isSchema(schema)) return false;
  if (
    isSchema(schema.properties) &&
    Object.values(schema.properties).some((p) => isSchema(p) && allowsNull(p))
  )
    return true;
  return Object.values(schema).some(hasNullableProperty);
}

function prune(schema: Schema, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return isSchema(schema.items) ? value.map((item) => prune(schema.items as Schema, item)) : value;
  }
  if (Array.isArray(schema.anyOf)) {
    const objectBranch = schema.anyOf.find((b) => isSchema(b) && isSchema(b.properties));
    return objectBranch ? prune(objectBranch as Schema, value) : value;
  }
  const properties = isSchema(schema.properties) ? schema.properties : undefined;
  const values = isSchema(schema.additionalProperties) ? schema.additionalProperties : undefined;
  if (!properties && !values) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childSchema = (properties?.[key] as Schema | undefined) ?? values;
    if (!childSchema) {
      out[key] = child;
    } else if (child === null && properties?.[key] !== undefined && allowsNull(childSchema)) {
      // absent instead of null: the listed schema has it as optional
    } else {
      out[key] = prune(childSchema, child);
    }
  }
  return out;
}

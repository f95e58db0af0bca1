import { z } from 'zod';
import type { FieldMeta } from './fields.ts';

/** One settable option of the config schema, found by walking it. */
export interface ConfigLeaf {
  path: string[];
  env: string;
  meta: FieldMeta;
  kind: 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'map' | 'duration' | 'bytes';
  enumValues?: readonly string[];
  defaultValue: unknown;
  optional: boolean;
}

export interface ConfigSection {
  path: string[];
  description: string;
}

type AnyDef = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
  shape?: unknown;
  element?: z.ZodType;
  valueType?: z.ZodType;
};

function defOf(schema: z.ZodType): AnyDef {
  return (schema as unknown as { def: AnyDef }).def;
}

/** Peel default/optional/pipe wrappers, collecting metadata and the default on the way. */
function unwrap(schema: z.ZodType) {
  let meta: Partial<FieldMeta> = {};
  let defaultValue: unknown;
  let optional = false;
  let current = schema;
  for (;;) {
    meta = { ...(z.globalRegistry.get(current) as Partial<FieldMeta> | undefined), ...meta };
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault') {
      if (defaultValue === undefined) defaultValue = def.defaultValue;
      current = def.innerType!;
    } else if (def.type === 'optional' || def.type === 'nullable') {
      optional = true;
      current = def.innerType!;
    } else if (def.type === 'pipe') {
      current = def.in!;
    } else {
      return { inner: current, def, meta, defaultValue, optional };
    }
  }
}

function kindOf(def: AnyDef, meta: Partial<FieldMeta>): ConfigLeaf['kind'] {
  if (meta.format === 'duration' || meta.format === 'bytes') return meta.format;
  switch (def.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'enum':
      return 'enum';
    case 'array':
      return 'list';
    case 'record':
      return 'map';
    default:
      return 'string';
  }
}

export function envName(path: string[]): string {
  return `TAILWARDEN_${path.join('_').toUpperCase()}`;
}

export function walkConfig(schema: z.ZodType): { leaves: ConfigLeaf[]; sections: ConfigSection[] } {
  const leaves: ConfigLeaf[] = [];
  const sections: ConfigSection[] = [];
  const visit = (node: z.ZodType, path: string[]) => {
    const { inner, def, meta, defaultValue, optional } = unwrap(node);
    if (def.type === 'object') {
      if (path.length > 0) sections.push({ path, description: meta.description ?? '' });
      for (const [key, child] of Object.entries((inner as z.ZodObject).shape))
        visit(child as z.ZodType, [...path, key]);
      return;
    }
    if (!meta.description) throw new Error(`config option ${path.join('.')} has no description`);
    leaves.push({
      path,
      env: meta.env ?? envName(path),
      meta: meta as FieldMeta,
      kind: kindOf(def, meta),
      enumValues: def.type === 'enum' ? (inner as z.ZodEnum).options.map(String) : undefined,
      defaultValue,
      optional,
    });
  };
  visit(schema, []);
  return { leaves, sections };
}

/** The keys an object of the schema takes at `path` (through lists and maps): the candidates for "did you mean". */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node = unwrap(schema);
  for (const key of path) {
    const next =
      node.def.type === 'object'
        ? ((node.inner as z.ZodObject).shape[String(key)] as z.ZodType | undefined)
        : node.def.type === 'array'
          ? node.def.element
          : node.def.type === 'record'
            ? node.def.valueType
            : undefined;
    if (!next) return [];
    node = unwrap(next);
  }
  return node.def.type === 'object' ? Object.keys((node.inner as z.ZodObject).shape) : [];
}

/** Turn an environment variable's text into the raw value the schema expects for that leaf. */
export function parseEnvValue(leaf: ConfigLeaf, text: string): unknown {
  switch (leaf.kind) {
    case 'list':
      // A JSON array for lists of objects (e.g. TAILWARDEN_MODULES_SSH_HOSTS), else comma-separated.
      if (text.trimStart().startsWith('[')) {
        try {
          return JSON.parse(text);
        } catch {
          return text; // let the schema report it
        }
      }
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
      return text; // let the schema report it
    }
    case 'number':
      return text.trim() === '' ? text : Number(text);
    case 'map':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

export function getPath(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key as string];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

import { posix } from 'node:path';
import { GatewayError } from '../../../errors.ts';
import { compileLinearRegex, type LinearRegex } from '../../../util/linear-regex.ts';
import type { LoadedEntry } from './load.ts';
import type { CatalogParameter } from './schema.ts';

// A catalog pattern (written by the administrator) is matched against caller text: in RE2, so a
// pattern that would backtrack catastrophically cannot be turned against the gateway by a caller.
const compiled = new Map<string, LinearRegex>();
function wholeMatch(pattern: string): LinearRegex {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compileLinearRegex(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  return regex;
}

function reject(entry: LoadedEntry, name: string, why: string): never {
  throw new GatewayError('ERR_INPUT_REJECTED', `${entry.name}: parameter "${name}" ${why}.`);
}

function underRoot(path: string, root: string): boolean {
  const base = root.endsWith('/') ? root : `${root}/`;
  return path === root || path.startsWith(base) || root === '/';
}

/** Check one value against its declared type; returns the literal text to substitute. */
function checkValue(entry: LoadedEntry, name: string, spec: CatalogParameter, value: unknown): string {
  if (spec.type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value)) reject(entry, name, 'must be an integer');
    if (value < spec.min || value > spec.max)
      reject(entry, name, `must be between ${spec.min} and ${spec.max}`);
    return String(value);
  }
  if (typeof value !== 'string') reject(entry, name, 'must be a string');
  if (value.includes('\0')) reject(entry, name, 'must not contain a NUL byte');
  if (/[\n\r]/.test(value) && !spec.allow_newlines) reject(entry, name, 'must not contain a line break');
  if (value.startsWith('-') && !spec.allow_leading_dash)
    reject(entry, name, 'must not start with "-" (it would be read as an option)');
  if (spec.type === 'enum') {
    if (!spec.values.includes(value)) reject(entry, name, `must be one of: ${spec.values.join(', ')}`);
    return value;
  }
  if (spec.type === 'string') {
    if (value.length > spec.max_length) reject(entry, name, `must be at most ${spec.max_length} characters`);
    if (spec.pattern && !wholeMatch(spec.pattern).test(value))
      reject(entry, name, `must match ${spec.pattern}`);
    return value;
  }
  if (!value.startsWith('/')) reject(entry, name, 'must be an absolute path');
  const segments = value.split('/');
  if (segments.includes('..') && !spec.allow_dotdot) reject(entry, name, 'must not contain ".."');
  const normalized = posix.normalize(value);
  if (!spec.roots.some((root) => underRoot(normalized, root)))
    reject(entry, name, `must be under ${spec.roots.join(' or ')}`);
  return normalized;
}

/**
 * Substitute checked parameter values into the entry's argv template. Each
 * template element stays exactly one argument, whatever the value holds.
 */
export function renderArgv(entry: LoadedEntry, args: Record<string, unknown>): string[] {
  const unknown = Object.keys(args).filter((k) => !(k in entry.parameters));
  if (unknown.length > 0) {
    const known = Object.keys(entry.parameters);
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `${entry.name}: unknown parameter(s) ${unknown
        .slice(0, 5)
        .map((k) => JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k))
        .join(', ')}; it takes ${known.length ? known.join(', ') : 'none'}.`,
    );
  }
  const values = new Map<string, string>();
  for (const [name, spec] of Object.entries(entry.parameters)) {
    const value = args[name] ?? spec.default;
    if (value === undefined) reject(entry, name, 'is required');
    values.set(name, checkValue(entry, name, spec, value));
  }
  const argv = entry.argv.map((element) =>
    element.replace(/\{([a-z][a-z0-9_]*)\}/g, (_m, name: string) => values.get(name)!),
  );
  return entry.sudo ? ['sudo', '-n', '--', ...argv] : argv;
}

import type { z } from 'zod';
import { didYouMean } from '../util/similar.ts';
import { printable } from '../util/terminal-safe.ts';
import { type ConfigLeaf, getPath, keysAt } from './walk.ts';

/**
 * Turns what the YAML parser, the zod schema and the environment report into sentences a person can act on:
 * the offending line with a caret, "did you mean" for misspelt keys and variables, and the expected form of a
 * value next to what was given.
 */

/** Names longer than this are not compared for "did you mean" (similarity costs time per character). */
const MAX_NAME_FOR_HINT = 64;
const MAX_ENV_WARNINGS = 20;

/** Variables named TAILWARDEN_* that are not config options but are read by the launcher and the scripts. */
export const NON_CONFIG_ENV = new Set([
  'TAILWARDEN_CONFIG', // the config file (every command)
  'TAILWARDEN_FROM_SOURCE', // bin/tailwarden.js: run src/ instead of dist/
  'TAILWARDEN_NODE_RETRIED', // bin/tailwarden.js: set on its re-run with the bundled Node
  'TAILWARDEN_SKIP_PREREQUISITES', // the test suite: skip the check for Docker and the test images
  'TAILWARDEN_VERSION', // install.sh and ct/tailwarden.sh: the release to install
  'TAILWARDEN_RELEASE_URL', // install.sh
  'TAILWARDEN_RAW_URL', // ct/tailwarden.sh
]);

const YAML_HINTS: Record<string, string> = {
  MISSING_CHAR:
    'a quote or bracket opened on this line or before it is never closed (the parser looked for it up to here)',
  BAD_INDENT: 'check the indentation: the keys of one mapping line up, with spaces',
  TAB_AS_INDENT: 'YAML indents with spaces, not tabs',
  DUPLICATE_KEY: 'this key appears twice in the same mapping; keep one',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping starts on its own line, indented under its key',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; is a colon or quote missing on the line before?',
  UNEXPECTED_TOKEN: 'a character here does not fit; text with ": " or "#" in it needs quotes',
};

interface YamlErrorLike {
  message: string;
  code?: string;
  linePos?: [{ line: number; col: number }, { line: number; col: number }?];
}

/**
 * For "never closed" errors the parser stops where it gave up (often the end of the file): find the line that
 * opened the quote or bracket, the first one before that point whose quotes or brackets do not balance.
 */
function openingLine(lines: string[], before: number, message: string): number | undefined {
  const quote = /closing "quote/.test(message) ? '"' : /closing 'quote/.test(message) ? "'" : undefined;
  const bracket = /end with a \]/.test(message)
    ? ['[', ']']
    : /end with a \}/.test(message)
      ? ['{', '}']
      : undefined;
  if (!quote && !bracket) return undefined;
  for (let n = 1; n <= before && n <= lines.length; n++) {
    const line = (lines[n - 1] ?? '').replace(/\\./g, '').replace(/\s#.*$/, '');
    if (quote && line.split(quote).length % 2 === 0) return n;
    if (bracket && line.split(bracket[0]!).length > line.split(bracket[1]!).length) return n;
  }
  return undefined;
}

/** "file: not valid YAML at line 5, column 3: <what>", the lines around it, a caret, and a hint by error code. */
export function yamlProblem(file: string, text: string, error: YamlErrorLike): string {
  const what = printable(error.message.split(/ at line \d+, column \d+/)[0]!.split('\n')[0]!, 200);
  const pos = error.linePos?.[0];
  if (!pos) return `${file}: not valid YAML: ${what}`;
  const lines = text.split(/\r?\n/);
  const shown: string[] = [];
  const width = String(pos.line).length;
  // The line before gives the context (an unclosed quote is reported on the line after it).
  for (let n = Math.max(1, pos.line - 1); n <= pos.line; n++) {
    const line = lines[n - 1] ?? '';
    if (n < pos.line && line.trim() === '') continue;
    shown.push(`  ${String(n).padStart(width)} | ${printable(line, 160)}`);
  }
  const caretAt = Math.min(pos.col - 1, 160);
  shown.push(`  ${' '.repeat(width)} | ${' '.repeat(caretAt)}^`);
  const opened = openingLine(lines, pos.line - 1, error.message);
  if (opened !== undefined) {
    const context = `  ${String(opened).padStart(width)} | ${printable(lines[opened - 1]!, 160)}`;
    if (opened === pos.line - 1) shown[0] = `${context}   <- opened here`;
    else shown.unshift(`${context}   <- opened here`);
  }
  const code = opened !== undefined ? 'MISSING_CHAR' : error.code;
  const hint = code ? YAML_HINTS[code] : undefined;
  return `${file}: not valid YAML at line ${pos.line}, column ${pos.col}: ${what}\n${shown.join('\n')}${hint ? `\n  hint: ${hint}` : ''}`;
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping (nested keys)';
  if (secret) return `a ${typeof value}`;
  if (typeof value === 'string') return `the text "${printable(value, 80)}"`;
  return `the ${typeof value === 'number' ? 'number' : typeof value} ${String(value)}`;
}

/** The form a leaf takes in YAML, in words, with an example. */
function expectedForm(leaf: ConfigLeaf, given: unknown): string {
  switch (leaf.meta.format ?? leaf.kind) {
    case 'host:port': {
      const port = typeof given === 'number' && Number.isInteger(given) ? given : 8080;
      return `"HOST:PORT" (text, e.g. "127.0.0.1:${port}"; "0.0.0.0:${port}" for every interface)`;
    }
    case 'duration':
      return 'a duration such as 30s, 15m, 2h or 90d';
    case 'bytes':
      return 'a size such as 512KiB or 1MiB';
    case 'url':
      return 'a URL such as https://warden.example.ts.net';
    case 'list':
      return 'a list, e.g. [a, b] (in the environment: a,b)';
    case 'json':
    case 'map':
      return 'a mapping of keys to values';
    default:
      break;
  }
  switch (leaf.kind) {
    case 'boolean':
      return 'true or false';
    case 'number':
      return 'a whole number';
    case 'enum':
      return `one of ${leaf.enumValues!.join(', ')}`;
    default:
      return 'text';
  }
}

const ZOD_TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (nested keys)',
  record: 'a mapping (nested keys)',
};

export interface IssueContext {
  /** Where the value at a path came from: "file: key", "environment VAR" or "command-line flag for key". */
  whereOf(path: readonly PropertyKey[]): string;
  /** The merged raw input the schema saw. */
  input: Record<string, unknown>;
  schema: z.ZodType;
  leaf: ConfigLeaf | undefined;
}

/** One zod issue as a sentence: what is wrong and what would be right. */
export function explainIssue(issue: z.core.$ZodIssue, context: IssueContext): string {
  const { leaf } = context;
  const given = getPath(context.input, issue.path as (string | number)[]);
  if (issue.code === 'unrecognized_keys') {
    const candidates = keysAt(context.schema, issue.path);
    return issue.keys
      .map((key) => {
        const where = printable(context.whereOf([...issue.path, key]), 200);
        const hint = key.length <= MAX_NAME_FOR_HINT ? didYouMean(key, candidates) : '';
        return `${where}: unknown key.${hint || ` Known keys here: ${candidates.join(', ')}.`}`;
      })
      .join('\n  - ');
  }
  const where = context.whereOf(issue.path);
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    const expected = leaf
      ? expectedForm(leaf, given)
      : issue.code === 'invalid_type'
        ? (ZOD_TYPE_WORDS[issue.expected] ?? issue.expected)
        : undefined;
    if (expected && given !== undefined)
      return `${where}: expected ${expected}, got ${describeValue(given, leaf?.meta.secret === true)}`;
    if (expected) return `${where}: missing; expected ${expected}`;
  }
  if (issue.code === 'invalid_value' && typeof given === 'string' && given.length <= MAX_NAME_FOR_HINT) {
    const options = issue.values.map(String);
    return `${where}: "${printable(given, 80)}" is not one of ${options.join(', ')}.${didYouMean(given, options)}`;
  }
  return `${where}: ${issue.message}`;
}

/** TAILWARDEN_* variables that set nothing (a typo, or an option that was renamed), each with the closest name. */
export function unknownEnvWarnings(
  env: Record<string, string | undefined>,
  known: readonly string[],
): string[] {
  const all = [...known, ...NON_CONFIG_ENV];
  const names = new Set(all);
  const prefix = 'TAILWARDEN_';
  // Compared without the prefix every name shares, which would make every name look alike.
  const suffixes = all.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  const unknown = Object.keys(env).filter((name) => name.startsWith(prefix) && !names.has(name));
  const warnings = unknown.slice(0, MAX_ENV_WARNINGS).map((name) => {
    const hint =
      name.length <= MAX_NAME_FOR_HINT
        ? didYouMean(name.slice(prefix.length), suffixes).replace(/"([^"]+)"/g, `"${prefix}$1"`)
        : '';
    return `environment variable ${printable(name, 80)} is not a tailwarden setting and is ignored.${hint || ' See docs/configuration.md for the names.'}`;
  });
  if (unknown.length > MAX_ENV_WARNINGS)
    warnings.push(`… and ${unknown.length - MAX_ENV_WARNINGS} more unknown TAILWARDEN_* variables.`);
  return warnings;
}

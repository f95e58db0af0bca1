import { secretMark } from './secret-mark.ts';
import { isSecretName } from './secret-names.ts';

/**
 * Values after secret names in text: `--password=x`, `--token x`, `NAME=value` (`Environment=DB_PW=x`),
 * `name: value` and `"name": "value"`. Each scan is anchored on a literal (`-`, `=`, `:`), reads the
 * name backwards at most 64 characters, and never cuts a JSON escape apart.
 */

/** What ends a bare value: whitespace, a quote or a backslash (so JSON escapes are never cut apart). */
function endsWord(code: number): boolean {
  return (
    code <= 32 ||
    code === 34 ||
    code === 39 ||
    code === 92 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x2028 ||
    code === 0x2029
  );
}

/** What ends a value that runs to the end of its line: a line break, a quote or a backslash. */
function endsLine(code: number): boolean {
  return code === 10 || code === 13 || code === 34 || code === 39 || code === 92;
}
const MAX_QUOTED = 4096;

/**
 * Where the value that starts at `start` ends, and the part of it to mask. A quoted value keeps its
 * quotes (so JSON stays JSON); an already masked value, an object, an array or nothing is left alone.
 */
function valueAt(
  text: string,
  start: number,
  rest: 'word' | 'line' | 'quoted',
): [number, number] | undefined {
  const first = text[start];
  if (first === undefined || text.startsWith('[secret: ', start)) return undefined;
  if (first === '"' || first === "'") {
    for (let i = start + 1; i < text.length && i <= start + MAX_QUOTED; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === first) return i > start + 1 ? [start + 1, i] : undefined;
      else if (c === '\n') return undefined;
    }
    return undefined;
  }
  if (first === '\\' && text[start + 1] === '"') {
    // A quoted value inside JSON text (`--password=\"a b\"` in a log line): walk the escapes in pairs.
    for (let i = start + 2; i < text.length && i <= start + MAX_QUOTED; i++) {
      if (text[i] === '"') return undefined; // the JSON string itself ended
      if (text[i] !== '\\') continue;
      if (text[i + 1] === '"') return i > start + 2 ? [start + 2, i] : undefined;
      i++;
    }
    return undefined;
  }
  if (rest === 'quoted' || first === '{' || first === '[') return undefined;
  const stops = rest === 'line' ? endsLine : endsWord;
  let end = start;
  while (end < text.length && !stops(text.charCodeAt(end))) end++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  // A line already masked by a more precise rule (`Authorization: Bearer [secret: …]`) is left as it is.
  if (rest === 'line' && text.slice(start, end).includes('[secret: ')) return undefined;
  return end > start ? [start, end] : undefined;
}

type ValueKind = 'word' | 'line' | 'quoted';

/** Collects the pieces of a masked text; joined once at the end (no quadratic string building). */
class Masked {
  private readonly parts: string[] = [];
  private from = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  mask(start: number, end: number): void {
    this.parts.push(this.text.slice(this.from, start), secretMark(this.text.slice(start, end)));
    this.from = end;
  }
  done(): string {
    return this.from === 0 ? this.text : this.parts.join('') + this.text.slice(this.from);
  }
}

/** `--password=x`, `--token x`, `-api-key x` */
const FLAG = /(?<![\w-])--?([A-Za-z][\w.-]{0,63})(?:=|[ \t]+)/g;

/** The values after `--flag` names that are secrets; a flag that is not is skipped right after its name. */
export function maskFlags(text: string): string {
  if (!text.includes('-')) return text;
  const out = new Masked(text);
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(text); m; m = FLAG.exec(text)) {
    if (!isSecretName(m[1]!)) continue;
    const span = valueAt(text, FLAG.lastIndex, 'word');
    if (!span) continue;
    out.mask(span[0], span[1]);
    FLAG.lastIndex = span[1];
  }
  return out.done();
}

const MAX_NAME = 64;

/** [A-Za-z_] */
function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** [\w.-] */
function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57) || code === 46 || code === 45;
}

/** The start of the name that ends at `end` (a run of [\w.-], at most 64, starting with a letter or _), or -1. */
function nameStart(text: string, end: number): number {
  let start = end;
  while (start > 0 && end - start <= MAX_NAME && isNameChar(text.charCodeAt(start - 1))) start--;
  if (start === end || end - start > MAX_NAME || !isNameStart(text.charCodeAt(start))) return -1;
  return start;
}

interface NamedAt {
  name: [number, number];
  kind: ValueKind;
}

/** `NAME=` ending at the equals sign. */
function assignmentAt(text: string, at: number): NamedAt | undefined {
  const start = nameStart(text, at);
  return start < 0 ? undefined : { name: [start, at], kind: 'word' };
}

/** `name:`, `"name" :`, `'name':` or `\"name\":` ending at the colon; a quoted name takes a quoted value only. */
function pairAt(text: string, at: number): NamedAt | undefined {
  let end = at;
  while (end > 0 && at - end < 8 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  let quote = '';
  if (text[end - 1] === '"' || text[end - 1] === "'") {
    quote = text[end - 1]!;
    if (quote === '"' && text[end - 2] === '\\') quote = '\\"';
  }
  const nameEnd = end - quote.length;
  const start = nameStart(text, nameEnd);
  if (start < 0) return undefined;
  const open = start - quote.length;
  if (quote && (open < 0 || text.slice(open, start) !== quote)) return undefined;
  if (open > 0 && /[\w.[-]/.test(text[open - 1]!)) return undefined;
  return { name: [start, nameEnd], kind: quote ? 'quoted' : 'line' };
}

/**
 * `NAME=value` (`Environment=DB_PW=x` too) and `name: value` / `"name": "value"`: anchored on each
 * `=` or `:` (found with indexOf), the name read backwards at most 64 characters, so the scan stays
 * linear and costs nothing where there is no such sign.
 */
export function maskNamedValues(text: string, sign: '=' | ':'): string {
  let at = text.indexOf(sign);
  if (at < 0) return text;
  const out = new Masked(text);
  while (at >= 0) {
    let next = at + 1;
    const found = sign === '=' ? assignmentAt(text, at) : pairAt(text, at);
    const span =
      found && isSecretName(text.slice(found.name[0], found.name[1])) && pairValue(text, at, sign, found);
    if (span) {
      out.mask(span[0], span[1]);
      next = span[1];
    }
    at = text.indexOf(sign, next);
  }
  return out.done();
}

/** Only spaces, tabs and YAML's list dash between the start of its line (or of a JSON string) and `at`. */
function startsLine(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && at - i < 16 && (text[i - 1] === ' ' || text[i - 1] === '\t' || text[i - 1] === '-')) i--;
  if (i === 0) return true;
  const before = text[i - 1];
  return before === '\n' || before === '"' || (before === 'n' && text[i - 2] === '\\');
}

/** Anything but a short lowercase word of prose ("check", "set", "no"): `pw5`, `Hunter2`, `s3cr3t!`. */
function credentialLike(value: string): boolean {
  return !/^[a-z]{1,12}$/.test(value);
}

/**
 * The span of the value after a secret name, or undefined. An unquoted `name:` is a pair only with a
 * space after it (YAML, headers): `token:tok_ab12` (a principal id), `secret:read` (a permission) and
 * `host:port` are not. At the start of a line it runs to the end of the line (`password: correct horse`);
 * inside a sentence the next word, unless it is a short lowercase word of prose ("the credentials: check
 * your settings" stays; "password: pw5 given" does not).
 */
function pairValue(text: string, at: number, sign: '=' | ':', found: NamedAt): [number, number] | undefined {
  if (sign === '=' || found.kind === 'quoted') return valueAt(text, at + 1, found.kind);
  if (text[at + 1] !== ' ' && text[at + 1] !== '\t') return undefined;
  let start = at + 1;
  while (start < text.length && start - at < 9 && (text[start] === ' ' || text[start] === '\t')) start++;
  if (startsLine(text, found.name[0])) return valueAt(text, start, 'line');
  const span = valueAt(text, start, 'word');
  return span && credentialLike(text.slice(span[0], span[1])) ? span : undefined;
}

import type { RE2JS } from 're2js';
import { GatewayError } from '../errors.ts';
import { loadRe2js } from './lazy-require.ts';

/**
 * Caller-supplied regular expressions, run by RE2 (the re2js port: pure JavaScript, no native
 * build): matching time grows linearly with the text, whatever the pattern. A backtracking engine
 * (V8's RegExp) took 25–33 s on `.*.*.*.*.*.*.*.*x` against a 40-character line; a check for
 * "dangerous shapes" in front of it cannot know every shape, so there is no such check: the engine
 * cannot backtrack at all.
 *
 * Linear is not free: the work per character grows with the size of the compiled program, and
 * counted repetitions blow it up (`.{1000}` is a thousand steps per character). So the program
 * is estimated from the pattern text before compiling (compiling a huge one is itself slow) and
 * measured after; both are held to MAX_PROGRAM.
 */

/** Largest compiled program accepted, in RE2 instructions (a worst-case 4 KiB line then costs ~0.1 s). */
export const MAX_PROGRAM = 500;

export interface LinearRegex {
  readonly source: string;
  /** True when the pattern matches anywhere in `text`. */
  test(text: string): boolean;
}

/** What the caller wrote that RE2 does not take, and what to write instead. */
const UNSUPPORTED: [RegExp, string][] = [
  [
    /\\[1-9]|\\k</,
    'back-references (\\1, \\k<name>) are not supported: match the text itself, e.g. "(ab)ab"',
  ],
  [
    /\(\?<?[=!]/,
    'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: match the text around it, or search twice with simpler patterns',
  ],
  [/[*+?}][+]/, 'possessive quantifiers (a*+, a++) are not supported: write a* or a+'],
  [/\(\?>/, 'atomic groups ((?>…)) are not supported: use a plain group (?:…)'],
  [
    /\\u[0-9a-fA-F{]/,
    '\\uXXXX escapes are not supported: write \\x{XXXX} (e.g. \\x{e9}) or the character itself',
  ],
  [/\\c[A-Za-z]/, '\\cX control escapes are not supported: write \\x{01}…\\x{1f}'],
];

function rejected(pattern: string, why: string): GatewayError {
  const shown = pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern;
  return new GatewayError('ERR_INPUT_REJECTED', `The regular expression "${shown}" was refused: ${why}.`);
}

/** Index just past the `]` closing a character class opened at `start` (the `[`), or the end. */
function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\') i++;
    else if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close > 0) i = close + 1;
    }
    i++;
  }
  return i + 1;
}

/** Index just past an escape starting at `start` (the backslash). */
function escapeEnd(p: string, start: number): { end: number; size: number } {
  const c = p[start + 1];
  if ((c === 'p' || c === 'P' || c === 'x') && p[start + 2] === '{') {
    const close = p.indexOf('}', start + 3);
    return { end: close < 0 ? p.length : close + 1, size: 1 };
  }
  if (c === 'Q') {
    const close = p.indexOf('\\E', start + 2);
    const end = close < 0 ? p.length : close + 2;
    return { end, size: Math.max(1, end - start - 4) };
  }
  return { end: start + 2, size: 1 };
}

/**
 * An upper estimate of the compiled program's size, read off the pattern text in one pass:
 * atoms count 1, a group the sum of its parts, a counted repetition multiplies its atom.
 */
export function estimateProgramSize(p: string): number {
  const stack: { total: number; last: number }[] = [{ total: 0, last: 0 }];
  const add = (size: number) => {
    const top = stack.at(-1)!;
    top.total += size;
    top.last = size;
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const { end, size } = escapeEnd(p, i);
      add(size);
      i = end;
    } else if (c === '[') {
      add(1);
      i = classEnd(p, i);
    } else if (c === '(') {
      stack.push({ total: 0, last: 0 });
      i++;
    } else if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : { total: 0, last: 0 };
      add(group.total + 1);
      i++;
    } else if (c === '|') {
      stack.at(-1)!.total += 1;
      stack.at(-1)!.last = 0;
      i++;
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(p.slice(i, i + 16))) {
      const close = p.indexOf('}', i);
      const [low, high] = p.slice(i + 1, close).split(',');
      const count = Math.max(Number(low), high ? Number(high) : 0, 1);
      const top = stack.at(-1)!;
      top.total += top.last * (count - 1) + 1;
      top.last *= count;
      i = close + 1;
    } else if (c === '*' || c === '+' || c === '?') {
      stack.at(-1)!.total += 1;
      i++;
    } else {
      add(1);
      i++;
    }
  }
  return stack.reduce((sum, level) => sum + level.total, 0);
}

function tooLarge(pattern: string, size: number): GatewayError {
  return rejected(
    pattern,
    `it compiles to about ${size} steps per character of text, more than the ${MAX_PROGRAM} allowed; use smaller counted repetitions (e.g. \\d{1,5} rather than .{0,1000}) or split the search`,
  );
}

/** Compile a caller's regular expression for linear-time matching; throws ERR_INPUT_REJECTED with a fix. */
export function compileLinearRegex(pattern: string, options: { ignoreCase?: boolean } = {}): LinearRegex {
  const estimate = estimateProgramSize(pattern);
  if (estimate > MAX_PROGRAM * 4) throw tooLarge(pattern, estimate);
  const { RE2JS: Re2, RE2JSException } = loadRe2js();
  let compiled: RE2JS;
  try {
    compiled = Re2.compile(pattern, options.ignoreCase ? Re2.CASE_INSENSITIVE : 0);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    // Only now look for a known unsupported feature: RE2's own words for some are misleading
    // ("invalid named capture" for a lookbehind). Otherwise keep its "<what>: `<where>`".
    const hint = UNSUPPORTED.find(([shape]) => shape.test(pattern))?.[1];
    const detail = error.message.replace(/^error parsing regexp: /, '');
    throw rejected(pattern, hint ?? `${detail} (RE2 syntax: https://github.com/google/re2/wiki/Syntax)`);
  }
  const size = (compiled.re2() as { prog: { numInst(): number } }).prog.numInst();
  if (size > MAX_PROGRAM) throw tooLarge(pattern, size);
  return { source: pattern, test: (text) => compiled.test(text) };
}

/** A literal search (no pattern syntax at all), with the same interface. */
export function literalMatcher(needle: string, options: { ignoreCase?: boolean } = {}): LinearRegex {
  if (!options.ignoreCase) return { source: needle, test: (text) => text.includes(needle) };
  const lower = needle.toLowerCase();
  return { source: needle, test: (text) => text.toLowerCase().includes(lower) };
}

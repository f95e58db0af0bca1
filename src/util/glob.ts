import { GatewayError } from '../errors.ts';

/**
 * Shell-style wildcards for names (`*`, `?`, `[a-z]`, `[!.]`, `\*`), matched without a regular
 * expression. A glob turned into a backtracking RegExp is exponential: `**********x` against a
 * 34-character name held the event loop for 25 s. Here the pattern is split at its stars and each
 * piece is placed at its leftmost fit, in order: that greedy choice is always right (a star can
 * take up whatever is left between two pieces), so nothing is ever retried and the cost is at most
 * name length × pattern length character comparisons.
 */

/** One character position of a pattern piece: a literal, any character (`?`), or a class. */
type Atom =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] };

export interface GlobOptions {
  ignoreCase?: boolean;
}

/** A compiled glob; `test(name)` is true when the whole name matches. */
export interface Glob {
  readonly source: string;
  test(name: string): boolean;
}

export const MAX_GLOB_LENGTH = 1000;

/** Parse a class body after `[`; returns the atom and the index after `]`, or undefined if unclosed. */
function parseClass(chars: string[], start: number): { atom: Atom; next: number } | undefined {
  let i = start;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i++;
  const ranges: [string, string][] = [];
  let first = true;
  while (i < chars.length && (chars[i] !== ']' || first)) {
    first = false;
    let low = chars[i]!;
    if (low === '\\' && i + 1 < chars.length) low = chars[++i]!;
    let high = low;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      high = chars[i + 2]!;
      if (high === '\\' && i + 3 < chars.length) high = chars[++i + 2]!;
      i += 2;
    }
    ranges.push(low <= high ? [low, high] : [high, low]);
    i++;
  }
  if (i >= chars.length) return undefined;
  return { atom: { kind: 'class', negated, ranges }, next: i + 1 };
}

/** The pattern as pieces between stars; `anchoredStart`/`anchoredEnd` say whether it has no leading/trailing star. */
function parse(pattern: string): { pieces: Atom[][]; anchoredStart: boolean; anchoredEnd: boolean } {
  const chars = [...pattern];
  const pieces: Atom[][] = [[]];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '*') {
      if (pieces.at(-1)!.length > 0 || pieces.length === 1) pieces.push([]);
      i++;
    } else if (c === '?') {
      pieces.at(-1)!.push({ kind: 'any' });
      i++;
    } else if (c === '[') {
      const parsed = parseClass(chars, i + 1);
      // An unclosed bracket is a literal "[", as in the shell.
      if (parsed) {
        pieces.at(-1)!.push(parsed.atom);
        i = parsed.next;
      } else {
        pieces.at(-1)!.push({ kind: 'char', char: '[' });
        i++;
      }
    } else if (c === '\\' && i + 1 < chars.length) {
      pieces.at(-1)!.push({ kind: 'char', char: chars[i + 1]! });
      i += 2;
    } else {
      pieces.at(-1)!.push({ kind: 'char', char: c });
      i++;
    }
  }
  const anchoredStart = !pattern.startsWith('*');
  const anchoredEnd = pieces.length === 1 || pieces.at(-1)!.length > 0;
  // Stars split the pattern: the first piece is before any star, the last after the final one.
  return { pieces: pieces.filter((p, index) => p.length > 0 || index === 0), anchoredStart, anchoredEnd };
}

function atomMatches(atom: Atom, c: string, ignoreCase: boolean): boolean {
  if (atom.kind === 'any') return true;
  if (atom.kind === 'char') return ignoreCase ? atom.char.toLowerCase() === c : atom.char === c;
  const inClass = (x: string) => atom.ranges.some(([low, high]) => x >= low && x <= high);
  const hit = inClass(c) || (ignoreCase && (inClass(c.toUpperCase()) || inClass(c.toLowerCase())));
  return hit !== atom.negated;
}

function pieceAt(piece: Atom[], text: string[], at: number, ignoreCase: boolean): boolean {
  for (let k = 0; k < piece.length; k++) if (!atomMatches(piece[k]!, text[at + k]!, ignoreCase)) return false;
  return true;
}

/** Compile a glob; throws ERR_INPUT_REJECTED for one longer than MAX_GLOB_LENGTH. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  if (pattern.length > MAX_GLOB_LENGTH)
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The name pattern is ${pattern.length} characters long; at most ${MAX_GLOB_LENGTH} are accepted.`,
    );
  const ignoreCase = options.ignoreCase === true;
  const { pieces, anchoredStart, anchoredEnd } = parse(pattern);
  const hasStar = pattern.length > 0 && (pieces.length > 1 || !anchoredStart || !anchoredEnd);

  const test = (name: string): boolean => {
    const text = [...(ignoreCase ? name.toLowerCase() : name)];
    if (!hasStar) {
      const only = pieces[0]!;
      return only.length === text.length && pieceAt(only, text, 0, ignoreCase);
    }
    let from = 0;
    let first = 0;
    let last = pieces.length;
    if (anchoredStart) {
      const head = pieces[0]!;
      if (head.length > text.length || !pieceAt(head, text, 0, ignoreCase)) return false;
      from = head.length;
      first = 1;
    } else if (pieces[0]!.length === 0) first = 1;
    let end = text.length;
    if (anchoredEnd && last > first) {
      const tail = pieces[last - 1]!;
      if (tail.length > end - from || !pieceAt(tail, text, end - tail.length, ignoreCase)) return false;
      end -= tail.length;
      last -= 1;
    }
    for (let p = first; p < last; p++) {
      const piece = pieces[p]!;
      let at = from;
      while (at + piece.length <= end && !pieceAt(piece, text, at, ignoreCase)) at++;
      if (at + piece.length > end) return false;
      from = at + piece.length;
    }
    return true;
  };
  return { source: pattern, test };
}

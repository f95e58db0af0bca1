import { GatewayError } from '../../errors.ts';

// A quantified group that itself contains a quantifier — (a+)+, (a|aa)*, (\w+\s?)* — is the shape of
// catastrophic backtracking; back-references are refused for the same reason. Caller regexes run on
// the daemon's event loop, so a pathological one must never get that far.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/;
const ALTERNATION_REPEATED = /\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/;
const BACKREFERENCE = /\\[1-9]|\\k</;

/** Compile a caller-supplied regular expression, refusing shapes that can backtrack catastrophically. */
export function compileSafeRegExp(pattern: string, flags: string): RegExp {
  if (NESTED_QUANTIFIER.test(pattern) || ALTERNATION_REPEATED.test(pattern) || BACKREFERENCE.test(pattern))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The regular expression "${pattern}" has a repeated group with a quantifier or alternation inside, or a back-reference; such patterns can take exponential time. Simplify it (e.g. "a+" instead of "(a+)+").`,
    );
  try {
    return new RegExp(pattern, flags);
  } catch (error) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `"${pattern}" is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

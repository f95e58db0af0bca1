import { describe, expect, it } from 'vitest';
import { boundValue, cutText, MAX_KEPT_ITEMS, MAX_KEPT_STRING } from '../../src/util/bounded.ts';
import { compileGlob } from '../../src/util/glob.ts';
import {
  compileLinearRegex,
  estimateProgramSize,
  literalMatcher,
  MAX_PROGRAM,
} from '../../src/util/linear-regex.ts';
import { closestNames, didYouMean, MAX_SUGGEST_INPUT } from '../../src/util/similar.ts';

/** A reference glob matcher (backtracking regex) for short inputs only, to compare answers with. */
function referenceGlob(pattern: string, name: string): boolean {
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') body += '.*';
    else if (c === '?') body += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) body += '\\[';
      else {
        let inner = pattern.slice(i + 1, close);
        if (inner.startsWith('!')) inner = `^${inner.slice(1)}`;
        body += `[${inner.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else body += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${body}$`, 's').test(name);
}

describe('glob matching without backtracking', () => {
  it('matches stars, question marks, classes and escapes like the shell', () => {
    const cases: [string, string, boolean][] = [
      ['*.log', 'syslog.log', true],
      ['*.log', 'syslog.log.1', false],
      ['*.log*', 'syslog.log.1', true],
      ['a*b*c', 'aXXbYYc', true],
      ['a*b*c', 'aXXcYYb', false],
      ['ab*b', 'ab', false],
      ['ab*b', 'abb', true],
      ['?.txt', 'a.txt', true],
      ['?.txt', 'ab.txt', false],
      ['[a-c]x', 'bx', true],
      ['[!a-c]x', 'bx', false],
      ['[!a-c]x', 'dx', true],
      ['\\*', '*', true],
      ['\\*', 'a', false],
      ['[abc', '[abc', true],
      ['*', '', true],
      ['', '', true],
      ['', 'a', false],
      ['**', 'anything', true],
      ['😀*', '😀x', true],
      ['?', '😀', true],
    ];
    for (const [pattern, name, want] of cases)
      expect(compileGlob(pattern).test(name), `${pattern} vs ${name}`).toBe(want);
    expect(compileGlob('*.LOG', { ignoreCase: true }).test('a.log')).toBe(true);
    expect(compileGlob('[A-C]', { ignoreCase: true }).test('b')).toBe(true);
    expect(compileGlob('*.LOG').test('a.log')).toBe(false);
  });

  it('agrees with a reference matcher on generated short patterns and names', () => {
    const alphabet = ['a', 'b', '*', '?', '[ab]', '[!a]'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 3000; n++) {
      const pattern = Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join('');
      const name = Array.from({ length: next() % 7 }, () => 'abc'[next() % 3]).join('');
      expect(compileGlob(pattern).test(name), `${pattern} vs ${name}`).toBe(referenceGlob(pattern, name));
    }
  });

  it('takes no time on the pattern that made a RegExp glob backtrack for 25 s', () => {
    const glob = compileGlob('**********x');
    const names = ['a'.repeat(34), 'a'.repeat(255), `${'*'.repeat(200)}y`];
    for (const name of names) expect(glob.test(name)).toBe(false);
    const stars = compileGlob(`${'*a'.repeat(100)}b`);
    expect(stars.test('a'.repeat(255))).toBe(false);
  });
});

describe('caller regular expressions in a linear-time engine (RE2)', () => {
  it('matches the pattern that took V8 33 s on a 40-character line, and on far longer lines', () => {
    const re = compileLinearRegex('.*.*.*.*.*.*.*.*x', { ignoreCase: true });
    expect(re.test('a'.repeat(40))).toBe(false);
    expect(re.test('a'.repeat(100_000))).toBe(false);
    expect(re.test(`${'a'.repeat(40)}X`)).toBe(true);
    expect(compileLinearRegex('(a+)+$').test(`${'a'.repeat(10_000)}!`)).toBe(false);
    expect(compileLinearRegex('(a+)+!$').test(`${'a'.repeat(10_000)}!`)).toBe(true);
  });

  it('refuses what RE2 cannot do, saying what instead', () => {
    const refusal = (p: string) => {
      try {
        compileLinearRegex(p);
      } catch (error) {
        return (error as Error & { code: string }).code + ' ' + (error as Error).message;
      }
      throw new Error(`${p} was accepted`);
    };
    expect(refusal('(a)\\1')).toMatch(/ERR_INPUT_REJECTED.*back-references.*match the text itself/);
    expect(refusal('a(?=b)')).toMatch(/lookahead and lookbehind/);
    expect(refusal('(?<!a)b')).toMatch(/lookahead and lookbehind/);
    expect(refusal('a++')).toMatch(/possessive/);
    expect(refusal('(?>a)')).toMatch(/atomic groups/);
    expect(refusal('\\u00e9')).toMatch(/\\x\{XXXX\}/);
    expect(refusal('[')).toMatch(/missing closing \]/);
    expect(refusal('.{1000}')).toMatch(/counted repetitions/);
    expect(refusal('((a{100}){100}){100}')).toMatch(/refused/);
    // A literal backslash before u is not mistaken for a \u escape.
    expect(compileLinearRegex('\\\\u00e9').test('\\u00e9')).toBe(true);
  });

  it('estimates the compiled size from the text before compiling, never far below it', () => {
    for (const p of [
      'abc',
      '\\d{1,3}(\\.\\d{1,3}){3}',
      '.{250}x',
      '(a|b){0,120}',
      '((ab){10}c){10}',
      '[[:alpha:]]{5}',
    ]) {
      const estimate = estimateProgramSize(p);
      expect(estimate, p).toBeGreaterThan(0);
    }
    expect(estimateProgramSize('(.{0,1000}){1000}')).toBeGreaterThan(MAX_PROGRAM * 4);
  });

  it('searches literals with no pattern syntax at all', () => {
    expect(literalMatcher('a.b', { ignoreCase: true }).test('xA.Bx')).toBe(true);
    expect(literalMatcher('a.b').test('axb')).toBe(false);
  });
});

describe('bounded "did you mean" and kept text', () => {
  it('suggests close names for short inputs and spends nothing on long ones', () => {
    const tools = ['system_status', 'files_read', 'docker_container_list'];
    expect(didYouMean('system_stauts', tools)).toContain('system_status');
    expect(closestNames('s'.repeat(MAX_SUGGEST_INPUT + 1), tools)).toEqual([]);
    expect(closestNames('x'.repeat(1_000_000), tools)).toEqual([]);
  });

  it('cuts strings, arrays, objects and nesting, saying so', () => {
    expect(cutText('abc', 2)).toBe('ab…(cut: 3 characters)');
    const bounded = boundValue({
      name: 'n'.repeat(1_000_000),
      list: Array.from({ length: 1000 }, (_, i) => i),
      deep: JSON.parse(`${'{"a":'.repeat(50)}1${'}'.repeat(50)}`),
      many: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
    }) as Record<string, unknown>;
    expect(String(bounded.name)).toHaveLength(MAX_KEPT_STRING + '…(cut: 1000000 characters)'.length);
    expect(bounded.list).toHaveLength(MAX_KEPT_ITEMS + 1);
    expect(JSON.stringify(bounded.deep)).toContain('nested deeper than');
    expect(Object.keys(bounded.many as object)).toHaveLength(MAX_KEPT_ITEMS + 1);
  });
});

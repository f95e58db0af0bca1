import { describe, expect, it } from 'vitest';
import { argsHash, canonicalJson } from '../../src/policy/approvals/canonical.ts';

describe('canonical arguments', () => {
  it('ignores key order and undefined members at every depth', () => {
    const a = { name: 'web', opts: { force: true, depth: 2 }, list: [{ b: 1, a: 2 }], gone: undefined };
    const b = { list: [{ a: 2, b: 1 }], opts: { depth: 2, force: true }, name: 'web' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"list":[{"a":2,"b":1}],"name":"web","opts":{"depth":2,"force":true}}');
    expect(argsHash('t', a)).toBe(argsHash('t', b));
  });

  it('changes with any value, with array order, and with the tool', () => {
    const base = argsHash('t', { name: 'web', list: [1, 2] });
    expect(argsHash('t', { name: 'web ', list: [1, 2] })).not.toBe(base);
    expect(argsHash('t', { name: 'web', list: [2, 1] })).not.toBe(base);
    expect(argsHash('t', { name: 'web', list: ['1', 2] })).not.toBe(base);
    expect(argsHash('u', { name: 'web', list: [1, 2] })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAge, parseRange, parseWhen, whenArg } from '../../src/util/when.ts';

// A fixed local moment: 2026-03-10 14:30:00 in the test process's time zone.
const NOW = new Date(2026, 2, 10, 14, 30, 0, 0);
const local = (...parts: number[]) =>
  new Date(parts[0]!, parts[1]! - 1, parts[2]!, parts[3] ?? 0, parts[4] ?? 0, parts[5] ?? 0);

describe('parseWhen', () => {
  it.each([
    ['now', NOW],
    ['2h', new Date(NOW.getTime() - 2 * 3_600_000)],
    ['2h ago', new Date(NOW.getTime() - 2 * 3_600_000)],
    ['  2 hours   ago ', new Date(NOW.getTime() - 2 * 3_600_000)],
    ['-15m', new Date(NOW.getTime() - 15 * 60_000)],
    ['1d12h', new Date(NOW.getTime() - 36 * 3_600_000)],
    ['1h 30m ago', new Date(NOW.getTime() - 90 * 60_000)],
    ['1w', new Date(NOW.getTime() - 7 * 86_400_000)],
    ['in 2h', new Date(NOW.getTime() + 2 * 3_600_000)],
    ['+30s', new Date(NOW.getTime() + 30_000)],
    ['today', local(2026, 3, 10)],
    ['Yesterday', local(2026, 3, 9)],
    ['yesterday 01:00', local(2026, 3, 9, 1, 0)],
    ['today 23:59:59', local(2026, 3, 10, 23, 59, 59)],
    ['01:00', local(2026, 3, 10, 1, 0)],
    ['2026-01-31', local(2026, 1, 31)],
    ['2026-01-31 12:00', local(2026, 1, 31, 12, 0)],
    ['2026-01-31T12:00', local(2026, 1, 31, 12, 0)],
    ['2026-01-31T12:00:30', local(2026, 1, 31, 12, 0, 30)],
    ['2026-01-31T12:00:00Z', new Date(Date.UTC(2026, 0, 31, 12))],
    ['2026-01-31T12:00:00.250+02:00', new Date(Date.UTC(2026, 0, 31, 10, 0, 0, 250))],
    ['@1767225600', new Date(1_767_225_600_000)],
  ])('%s', (text, expected) => {
    expect(parseWhen(text, NOW).getTime()).toBe(expected.getTime());
  });

  it.each([
    '',
    'soon',
    '2 fortnights',
    '2026-02-31',
    '2026-13-01',
    '25:00',
    'yesterday 01:00 pm',
    '1h ago ago',
    'x'.repeat(65),
    `${'1h'.repeat(40)}`,
  ])('refuses %j with the accepted forms', (text) => {
    expect(() => parseWhen(text, NOW, 'since')).toThrow(/since ".*" is not a time .* Use "now"/);
  });
});

describe('parseAge', () => {
  it('sums parts and refuses junk', () => {
    expect(parseAge('1h30m')).toBe(90 * 60_000);
    expect(parseAge('90 seconds')).toBe(90_000);
    expect(parseAge('1.5h')).toBe(5_400_000);
    expect(parseAge('h')).toBeUndefined();
    expect(parseAge('5 parsecs')).toBeUndefined();
  });
});

describe('parseRange', () => {
  it('defaults from relative to to, and refuses an empty range', () => {
    const { from, to } = parseRange({ to: '1h ago' }, { now: NOW, defaultFrom: '24h' });
    expect(to.getTime()).toBe(NOW.getTime() - 3_600_000);
    expect(from.getTime()).toBe(to.getTime() - 24 * 3_600_000);
    expect(() => parseRange({ from: '1h', to: '2h' }, { now: NOW, defaultFrom: '24h' })).toThrow(
      /starts .* at or after/,
    );
  });
});

describe('whenArg', () => {
  it('validates without turning the text into a moment', () => {
    const schema = whenArg('Start of the window');
    expect(schema.parse('2h ago')).toBe('2h ago');
    const bad = schema.safeParse('last tuesday-ish');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/not a time; use "now"/);
    expect(schema.description).toMatch(/Start of the window: e.g./);
  });
});

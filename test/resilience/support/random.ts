/** A small seeded PRNG (mulberry32): the same seed gives the same cases, so a failure can be replayed. */
export class Rng {
  private state: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed for a run: TW_FUZZ_SEED when set (decimal or 0x hex), else the fixed default. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.TW_FUZZ_SEED;
  if (!raw) return fallback;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`TW_FUZZ_SEED must be an integer, got "${raw}"`);
  return seed >>> 0;
}

/** Strings that have broken parsers, loggers, path handling and terminals elsewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202eexe.txt', // right-to-left override
  'sys\u200btem_status', // zero-width space
  'ѕystem_status', // Cyrillic ѕ homoglyph
  'ＳＹＳＴＥＭ', // full-width
  'e\u0301', // combining accent
  '\ufeffBOM',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '😀'.repeat(50),
  'Z̴̡̧̛̛̛̖̗̘̙̜̝̞̟̠̣̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̼͇͈͉͍͎̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̽̾̿̀́͂̓̈́͆͊͋͌̕̚ͅ',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\system32',
  '/etc/shadow',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%c0%af..%c0%afetc/passwd',
  '/proc/self/environ',
  '/dev/zero',
  'file:///etc/passwd',
  '$(id)',
  '`id`',
  '; rm -rf / #',
  '| cat /etc/shadow',
  '\n\r\t',
  '-rf',
  '--help',
  '{{7*7}}',
  `$${'{'}jndi:ldap://127.0.0.1/x}`,
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '\u001b[2J\u001b[31mred',
  'http://169.254.169.254/latest/meta-data/',
  'A'.repeat(10_000),
];

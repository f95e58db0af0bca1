import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine, posixQuote } from '../../src/modules/ssh/quote.ts';

/** What a real POSIX shell makes of a command line: its argv, NUL-separated. */
function shellArgv(line: string, shell = 'sh'): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const HOSTILE = [
  '; rm -rf /',
  '$(id)',
  '`id`',
  "it's",
  "'",
  "''",
  '"',
  '\\',
  '\\\\n',
  'a\nb',
  'a\rb',
  'tab\there',
  '$HOME',
  '$'.concat('{PATH}'),
  '*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '-rf',
  '--',
  '../../etc/passwd',
  'a b  c',
  '',
  ' ',
  '|',
  '&',
  '&&',
  '>',
  '<(id)',
  '!',
  '#comment',
  'A=b',
  '=x',
  'é ü 漢字 🙂',
  "'; touch /tmp/tw-test-pwned; '",
  '$((1+1))',
  '\u00a0',
  '\x1b[31m',
];

describe('posixQuote', () => {
  it.each(HOSTILE)('a real shell reads %j back as exactly one literal argument', (value) => {
    for (const shell of ['sh', 'bash']) expect(shellArgv(posixQuote(value), shell)).toEqual([value]);
  });

  it('keeps all of them apart when they are joined into one command line', () => {
    expect(shellArgv(HOSTILE.map(posixQuote).join(' '))).toEqual(HOSTILE);
  });

  it('round-trips every single byte value except NUL', () => {
    const all = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
    expect(shellArgv(posixQuote(all), 'bash')).toEqual([all]);
  });

  it('leaves plain words bare and quotes everything else', () => {
    expect(posixQuote('df')).toBe('df');
    expect(posixQuote('--sort=-pcpu')).toBe("'--sort=-pcpu'");
    expect(posixQuote('/var/log/syslog')).toBe('/var/log/syslog');
    expect(posixQuote('')).toBe("''");
    expect(posixQuote("it's")).toBe("'it'\\''s'");
  });

  it('refuses NUL, which no C string can carry', () => {
    expect(() => posixQuote('a\0b')).toThrow(/NUL/);
  });

  it('builds a command line from argv and refuses an empty one', () => {
    expect(commandLine(['echo', 'a b', '$(id)'])).toBe("echo 'a b' '$(id)'");
    expect(() => commandLine([])).toThrow(/empty/);
  });
});

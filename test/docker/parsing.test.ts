import { describe, expect, it } from 'vitest';
import { maskSecretsInText } from '../../src/audit/secrets.ts';
import { cpuPercent, memoryUsed } from '../../src/modules/docker/container-stats.ts';
import { capLines, demuxLogs, splitTimestamp } from '../../src/modules/docker/logs.ts';
import { withTag } from '../../src/modules/docker/pull.ts';
import { checkRef, checkRepository } from '../../src/modules/docker/stacks/git.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('log demultiplexing', () => {
  it('joins lines split across frames per stream and keeps a final partial line', () => {
    const body = Buffer.concat([frame(1, 'hel'), frame(2, 'oops\n'), frame(1, 'lo\r\nwor'), frame(1, 'ld')]);
    expect(demuxLogs(body, false)).toEqual([
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'hello' },
      { stream: 'stdout', text: 'world' },
    ]);
  });
  it('reads a TTY body as plain stdout', () => {
    expect(demuxLogs(Buffer.from('a\r\nb\n'), true)).toEqual([
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'b' },
    ]);
  });
  it("splits the engine's timestamp from a line read with timestamps", () => {
    expect(splitTimestamp('2025-01-01T12:00:00.123456789Z hello world')).toEqual({
      time: Date.parse('2025-01-01T12:00:00.123Z'),
      text: 'hello world',
    });
    expect(splitTimestamp('no stamp here')).toEqual({ text: 'no stamp here' });
  });
  it('caps by bytes keeping the newest lines', () => {
    const lines = ['aaaa', 'bbbb', 'cccc'].map((text) => ({ stream: 'stdout' as const, text }));
    expect(capLines(lines, 10)).toEqual({ lines: lines.slice(1), truncated: true });
    expect(capLines(lines, 100)).toEqual({ lines, truncated: false });
  });
});

describe('secret masking of environment entries (the shared detector)', () => {
  it.each([
    ['POSTGRES_PASSWORD=x', 'POSTGRES_PASSWORD=[secret: 1 chars]'],
    ['GITHUB_TOKEN=ghp_abc', 'GITHUB_TOKEN=[secret: 7 chars]'],
    ['AWS_SECRET_ACCESS_KEY=k', 'AWS_SECRET_ACCESS_KEY=[secret: 1 chars]'],
    ['SENTRY_DSN=https://k@o.ingest.sentry.io/1', 'SENTRY_DSN=[secret: 30 chars]'],
    ['REDIS_URL=redis://:pw@redis:6379', 'REDIS_URL=redis://:[secret: 2 chars]@redis:6379'],
    ['N8N_ENCRYPTION_KEY=abc', 'N8N_ENCRYPTION_KEY=[secret: 3 chars]'],
    ['DB_PW=abc', 'DB_PW=[secret: 3 chars]'],
    ['MEILI_MASTER_KEY=abc', 'MEILI_MASTER_KEY=[secret: 3 chars]'],
    ['DATABASE_URL=postgres://app:pw@db/app', 'DATABASE_URL=postgres://app:[secret: 2 chars]@db/app'],
    ['TZ=Europe/Berlin', 'TZ=Europe/Berlin'],
    ['EMPTY_PASSWORD=', 'EMPTY_PASSWORD='],
    ['NOVALUE', 'NOVALUE'],
  ])('%s → %s', (entry, masked) => expect(maskSecretsInText(entry)).toBe(masked));
});

describe('stats arithmetic', () => {
  it('computes CPU share like docker stats and memory without inactive cache', () => {
    const stats = {
      cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
      memory_stats: { usage: 1000, stats: { inactive_file: 300 } },
    };
    expect(cpuPercent(stats)).toBe(40);
    expect(memoryUsed(stats)).toBe(700);
    expect(cpuPercent({})).toBe(0);
  });
});

describe('image references', () => {
  it('adds :latest only when there is no tag or digest', () => {
    expect(withTag('nginx')).toBe('nginx:latest');
    expect(withTag('registry:5000/app')).toBe('registry:5000/app:latest');
    expect(withTag('registry:5000/app:1.2')).toBe('registry:5000/app:1.2');
    expect(withTag('app@sha256:abc')).toBe('app@sha256:abc');
  });
});

describe('repository and ref checks', () => {
  const hosts = ['github.com', 'git.home.lan'];
  it('accepts https, ssh and scp-like URLs from allowed hosts', () => {
    expect(checkRepository('https://github.com/me/lab.git', hosts)).toMatchObject({
      host: 'github.com',
      protocol: 'https',
    });
    expect(checkRepository('git@git.home.lan:me/lab.git', hosts)).toMatchObject({
      host: 'git.home.lan',
      protocol: 'ssh',
    });
    expect(checkRepository('ssh://git@GitHub.com/me/lab.git', hosts)).toMatchObject({ host: 'github.com' });
  });
  it('refuses other hosts, protocols, credentials, options and local paths unless "local" is allowed', () => {
    expect(() => checkRepository('https://gitlab.com/me/lab.git', hosts)).toThrow(
      /not in modules.docker.allowed_git_hosts/,
    );
    expect(() => checkRepository('http://github.com/me/lab.git', hosts)).toThrow(
      /http protocol is not allowed/,
    );
    expect(() => checkRepository('git://github.com/me/lab.git', hosts)).toThrow(
      /git protocol is not allowed/,
    );
    expect(() => checkRepository('https://me:tok@github.com/me/lab.git', hosts)).toThrow(/password/);
    expect(() => checkRepository('--upload-pack=touch /tmp/x', hosts)).toThrow(/not a URL/);
    expect(() => checkRepository('ext::sh -c id', hosts)).toThrow(/not a URL/);
    expect(() => checkRepository('/srv/git/lab.git', hosts)).toThrow(/host "local"/);
    expect(checkRepository('/srv/git/lab.git', ['local'])).toMatchObject({ protocol: 'file' });
    expect(() => checkRepository('https://github.com/x', [])).toThrow(/allowed: none/);
  });
  it('accepts branch, tag and commit names only', () => {
    expect(checkRef('release/1.2')).toBe('release/1.2');
    for (const bad of ['--force', 'a..b', 'a b', 'x;rm', 'main/'])
      expect(() => checkRef(bad)).toThrow(/not a branch/);
  });
});

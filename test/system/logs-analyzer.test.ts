import { describe, expect, it } from 'vitest';
import {
  analyzeLogLines,
  LogAnalyzer,
  normaliseMessage,
  parseLogLine,
} from '../../src/modules/system/logs-analyzer.ts';

const YEAR = 2026;

describe('analyzeLogLines', () => {
  it('parses syslog, ISO, journald JSON and bare lines', () => {
    const syslog = parseLogLine('Nov 23 09:03:26 pve sshd[812]: Accepted publickey for root', YEAR);
    expect(syslog).toMatchObject({ source: 'sshd', message: 'Accepted publickey for root' });
    expect(new Date(syslog.time as number).getMonth()).toBe(10);
    const isoLine = parseLogLine('2026-11-23T09:03:26.123456+0000 pve nginx[90]: upstream timed out', YEAR);
    expect(isoLine).toMatchObject({ source: 'nginx', message: 'upstream timed out' });
    expect(new Date(isoLine.time as number).toISOString()).toBe('2026-11-23T09:03:26.123Z');
    const dockerLine = parseLogLine('2026-11-23T09:03:26.5Z listening on :8080', YEAR);
    expect(dockerLine).toMatchObject({
      message: 'listening on :8080',
      time: Date.parse('2026-11-23T09:03:26.5Z'),
    });
    const json = parseLogLine(
      JSON.stringify({
        MESSAGE: 'boom',
        PRIORITY: '3',
        __REALTIME_TIMESTAMP: '1795424821231470',
        _SYSTEMD_UNIT: 'x.service',
      }),
    );
    expect(json).toMatchObject({ message: 'boom', priority: 3, source: 'x.service', time: 1795424821231.47 });
    const bytes = parseLogLine(JSON.stringify({ MESSAGE: [104, 105], PRIORITY: '6' }));
    expect(bytes.message).toBe('hi');
    expect(parseLogLine('just a message')).toEqual({
      message: 'just a message',
      time: undefined,
      source: undefined,
    });
  });

  it('normalises variables so repeats group together', () => {
    expect(normaliseMessage('Failed password for root from 10.1.2.3 port 52144 ssh2')).toBe(
      'Failed password for root from <ip> port <n> ssh<n>',
    );
    expect(normaliseMessage('job 3f2b9c1e-1111-4aaa-8bbb-123456789abc took 12.5s at 0xdeadbeef')).toBe(
      'job <uuid> took <n>s at <hex>',
    );
  });

  it('summarises severities, repeats, time span, histogram and findings', () => {
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const s = String(i % 60).padStart(2, '0');
      lines.push(
        `Nov 23 10:00:${s} pve sshd[${900 + i}]: Failed password for invalid user admin from 203.0.113.${i % 3} port ${40000 + i} ssh2`,
      );
    }
    lines.push(
      'Nov 23 10:05:00 pve kernel: Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4000000kB',
    );
    lines.push('Nov 23 10:06:00 pve kernel: postgres[77]: segfault at 0 ip 00007f error 4 in libc.so.6');
    lines.push(
      'Nov 23 10:07:00 pve systemd[1]: app.service: Scheduled restart job, restart counter is at 5.',
    );
    lines.push('Nov 23 10:07:05 pve systemd[1]: app.service: Start request repeated too quickly.');
    lines.push("Nov 23 10:07:05 pve systemd[1]: app.service: Failed with result 'exit-code'.");
    lines.push('Nov 23 10:08:00 pve backup[3]: write failed: No space left on device');
    lines.push('');
    lines.push('Nov 23 11:00:00 pve cron[5]: (root) CMD (run-parts /etc/cron.hourly)');
    const result = analyzeLogLines(lines, { year: YEAR });
    expect(result.total_lines).toBe(38);
    expect(result.blank_lines).toBe(1);
    expect(result.lines_with_time).toBe(37);
    expect(result.first).toBe(new Date(YEAR, 10, 23, 10, 0, 0).toISOString());
    expect(result.last).toBe(new Date(YEAR, 10, 23, 11, 0, 0).toISOString());
    expect(result.by_severity.error).toBeGreaterThanOrEqual(30);
    const top = result.top_messages[0]!;
    expect(top).toMatchObject({
      template: 'Failed password for invalid user admin from <ip> port <n> ssh<n>',
      count: 30,
      severity: 'error',
      sources: ['sshd'],
    });
    const kinds = Object.fromEntries(result.findings.map((f) => [f.kind, f]));
    expect(kinds.auth_failures).toMatchObject({ count: 30, peak_per_minute: 30 });
    expect(kinds.auth_failures!.subjects.map((s) => s.name).sort()).toEqual([
      '203.0.113.0',
      '203.0.113.1',
      '203.0.113.2',
    ]);
    expect(kinds.oom_kill!.subjects).toEqual([{ name: 'java', count: 1 }]);
    expect(kinds.segfault!.subjects).toEqual([{ name: 'postgres', count: 1 }]);
    expect(kinds.restart_loop).toMatchObject({ count: 2, subjects: [{ name: 'app.service', count: 2 }] });
    expect(kinds.service_failed!.count).toBe(1);
    expect(kinds.disk_full!.count).toBe(1);
    expect(result.findings[0]!.kind).toBe('auth_failures');
    // one hour in 5-minute buckets: 13 buckets, all lines counted once
    expect(result.histogram.bucket_seconds).toBe(300);
    expect(result.histogram.buckets.reduce((n, b) => n + b.count, 0)).toBe(37);
    expect(result.histogram.buckets[0]!.errors).toBe(30);
  });

  it('accepts structured records and streams through LogAnalyzer', () => {
    const analyzer = new LogAnalyzer({ top: 2 });
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 100; i++)
      analyzer.add({ message: `request ${i} served`, time: t0 + i * 1000, priority: 6, source: 'web' });
    analyzer.add({ message: 'Too many open files', time: new Date(t0 + 200_000), priority: 2 });
    const result = analyzer.result();
    expect(result.by_severity).toMatchObject({ info: 100, critical: 1 });
    expect(result.top_messages).toHaveLength(2);
    expect(result.top_messages[0]).toMatchObject({ template: 'request <n> served', count: 100 });
    expect(result.findings.map((f) => f.kind)).toEqual(['too_many_open_files']);
  });

  it('handles empty input and caps distinct templates', () => {
    expect(analyzeLogLines([])).toMatchObject({
      total_lines: 0,
      first: null,
      findings: [],
      histogram: { buckets: [] },
    });
    const many = analyzeLogLines(
      Array.from(
        { length: 50 },
        (_, i) => `unique message ${String.fromCharCode(97 + (i % 26))}${'z'.repeat(i)}`,
      ),
      { maxTemplates: 10 },
    );
    expect(many.distinct_messages).toBe(11);
  });
});

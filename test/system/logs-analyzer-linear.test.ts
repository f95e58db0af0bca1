import { describe, expect, it } from 'vitest';
import { maskSecretsInText } from '../../src/audit/secrets.ts';
import {
  admitRequestIds,
  MAX_BATCH_MESSAGES,
  oversizedBatch,
  oversizedBatchText,
} from '../../src/http/batch-guard.ts';
import { followedBy, PATTERN_RULES } from '../../src/modules/system/log-patterns.ts';
import {
  analyzeLogLines,
  analyzeLogLinesInSlices,
  MAX_ANALYZED_LINE,
} from '../../src/modules/system/logs-analyzer.ts';

/** The shapes that made the old rules quadratic (each occurrence rescanned the rest of the line). */
const HOSTILE = [
  'XFS '.repeat(5000),
  'ata0X'.repeat(4000),
  'Process 0 (0'.repeat(2000),
  'Out of memory: Kill process 0 ('.repeat(800),
  `${'Failed to start e'.repeat(1500)}\nFailed to start .`,
  'Invalid user '.repeat(2000),
];

describe('the log analyzer stays linear on attacker-influenced lines', () => {
  it('finds the same things the unbounded rules found, in one pass', () => {
    expect(followedBy('XFS (sda1): Metadata corruption detected', /XFS /i, /error|corruption/i)).toBe(true);
    expect(followedBy('corruption before XFS only', /XFS /i, /error|corruption/i)).toBe(false);
    const kinds = (line: string) => analyzeLogLines([line]).findings.map((f) => f.kind);
    expect(kinds('kernel: XFS (dm-0): Internal error xfs_trans_cancel')).toEqual(['io_error']);
    expect(kinds('kernel: ata3.00: failed command: READ FPDMA QUEUED')).toEqual(['io_error']);
    expect(kinds('kernel: ata3 link up')).toEqual([]);
    expect(kinds('systemd[1]: Failed to start nginx.service - A high performance web server.')).toEqual([
      'service_failed',
    ]);
    const oom = analyzeLogLines(['kernel: Out of memory: Killed process 4242 (postgres) total-vm:1GB']);
    expect(oom.findings[0]!.subjects).toEqual([{ name: 'postgres', count: 1 }]);
    const unit = analyzeLogLines(['systemd[1]: Failed to start Backup job.']);
    expect(unit.findings[0]!.subjects).toEqual([{ name: 'Backup job', count: 1 }]);
  });

  it('analyses long hostile lines (cut at MAX_ANALYZED_LINE) without quadratic work', async () => {
    // No timing assertion: on the old rules these lines took minutes; here the test simply ends.
    const lines = Array.from({ length: 300 }, (_, i) => HOSTILE[i % HOSTILE.length]!);
    const result = analyzeLogLines(lines);
    expect(result.total_lines).toBe(300);
    expect(result.top_messages[0]!.example.length).toBeLessThanOrEqual(500);
    const sliced = await analyzeLogLinesInSlices(lines);
    expect(sliced.total_lines).toBe(300);
    expect(sliced.by_severity).toEqual(result.by_severity);
    expect(MAX_ANALYZED_LINE).toBeLessThanOrEqual(8192);
  });

  it('keeps every rule free of unbounded scans between two parts', () => {
    for (const rule of PATTERN_RULES)
      expect(rule.test.source, rule.kind).not.toMatch(/\.\*|\.\+|\[\^[^\]]*\]\+|\\S\+/);
  });
});

describe('the JSON-RPC batch guard', () => {
  it('refuses an oversized batch before any per-message work, and checks ids in one pass', () => {
    expect(oversizedBatch(Array.from({ length: MAX_BATCH_MESSAGES }, () => ({})))).toBeUndefined();
    expect(oversizedBatch({ jsonrpc: '2.0' })).toBeUndefined();
    const refusal = oversizedBatch(new Array(40_000).fill({}));
    expect(refusal).toMatchObject({ status: 400, code: -32600 });
    expect(refusal!.message).toContain('at most 100');
    const text = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, s: '",[{' })));
    expect(oversizedBatchText(text(MAX_BATCH_MESSAGES))).toBeUndefined();
    expect(oversizedBatchText(` \n${text(MAX_BATCH_MESSAGES + 1)}`)?.status).toBe(400);
    expect(oversizedBatchText('{"jsonrpc":"2.0"}')).toBeUndefined();
    expect(oversizedBatchText('[1,2')).toBeUndefined();
    const ok = admitRequestIds(
      [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: '1', method: 'ping' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ],
      new Set(),
    );
    expect(ok.ids).toEqual(['number:1', 'string:1']);
    const dup = admitRequestIds(
      [
        { id: 7, method: 'a' },
        { id: 7, method: 'b' },
      ],
      new Set(),
    );
    expect(dup.refusal?.status).toBe(409);
    expect(
      admitRequestIds({ id: 'x'.repeat(10_000), method: 'a' }, new Set([`string:${'x'.repeat(10_000)}`]))
        .refusal!.message.length,
    ).toBeLessThan(300);
  });
});

describe('masking URL credentials in container environments (the shared secret detector)', () => {
  it('stays linear on a long run of letters and still masks', () => {
    const value = `${'A'.repeat(300_000)}:+@A://:+@`;
    expect(maskSecretsInText(`X=${value}`).length).toBeGreaterThan(300_000);
    expect(maskSecretsInText('DATABASE=postgres://u:pw@db/x')).toBe(
      'DATABASE=postgres://u:[secret: 2 chars]@db/x',
    );
  });
});

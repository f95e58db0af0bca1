import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalResults, KEPT_RESULT_MAX_BYTES } from '../../src/policy/approvals/results.ts';
import { StateDb } from '../../src/state/db.ts';

describe('results kept for a retry with the same approval id', () => {
  let dir: string;
  let db: StateDb;
  let results: ApprovalResults;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-approval-results-'));
    db = new StateDb(dir);
    results = new ApprovalResults(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = {
    content: [{ type: 'text' as const, text: '{"wiped":"disk"}' }],
    structuredContent: { wiped: 'disk' },
  };

  it('says "running" until the call finishes, then keeps what it answered, for the same principal only', () => {
    results.begin('apr_1', 'token:alice', 60_000, 1000);
    expect(results.get('apr_1', 'token:alice', 1001)).toEqual({ state: 'running', startedAt: 1000 });
    results.finish('apr_1', ok, 60_000, 2000);
    expect(results.get('apr_1', 'token:alice', 2001)).toMatchObject({ state: 'done', result: ok });
    expect(results.get('apr_1', 'token:bob', 2001)).toBeUndefined();
  });

  it('expires, and is pruned', () => {
    results.begin('apr_2', 'token:alice', 1000, 0);
    results.finish('apr_2', ok, 1000, 10);
    expect(results.get('apr_2', 'token:alice', 1009)).toBeDefined();
    expect(results.get('apr_2', 'token:alice', 1010)).toBeUndefined();
    results.prune(1010);
    expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM approval_results').get()).toEqual({ n: 0 });
  });

  it('keeps a note instead of a result larger than the cap', () => {
    results.begin('apr_3', 'token:alice', 60_000, 0);
    const big = { content: [{ type: 'text' as const, text: 'x'.repeat(KEPT_RESULT_MAX_BYTES + 1) }] };
    results.finish('apr_3', big, 60_000, 5);
    const kept = results.get('apr_3', 'token:alice', 6);
    expect(kept?.state).toBe('done');
    const first = kept?.state === 'done' ? kept.result.content[0] : undefined;
    const text = first?.type === 'text' ? first.text : '';
    expect(text).toContain('ran and finished successfully');
    expect(text.length).toBeLessThan(1000);
  });
});

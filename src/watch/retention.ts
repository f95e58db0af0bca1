import type { Logger } from '../log.ts';
import type { HistoryStore, Tier } from './store.ts';

export interface Retention {
  /** Milliseconds each tier keeps. */
  raw: number;
  m1: number;
  m15: number;
  /** Hard cap on the history database, in bytes. */
  maxBytes: number;
}

/** Nearest-rank 95th percentile of a few integers. */
export function p95(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

interface Bucket {
  mn: number;
  mx: number;
  sm: number;
  n: number;
  p: number[];
}

/** Most buckets of one tier rolled up per pass, so a catch-up after downtime is spread over ticks. */
const MAX_SPAN_PER_PASS: Record<'m1' | 'm15', number> = { m1: 3600, m15: 6 * 3600 };

/**
 * Roll complete buckets of the finer tier into `tier`, from its watermark up to
 * `untilS` (seconds). Returns the buckets written.
 */
export function rollUp(store: HistoryStore, tier: 'm1' | 'm15', untilS: number, keepS: number): number {
  if (tier === 'm1') store.flush();
  const size = tier === 'm1' ? 60 : 900;
  const source = tier === 'm1' ? 'raw' : 'm1';
  const end = Math.floor(untilS / size) * size;
  const stored = store.meta(`rollup.${tier}`);
  // Nothing older than what the finer tier keeps can be rolled (after a long stop, or the first time).
  const earliest = Math.floor((untilS - keepS) / size) * size;
  const start = Math.max(stored === undefined ? earliest : Number(stored), earliest);
  if (start >= end) return 0;
  const stop = Math.min(end, start + MAX_SPAN_PER_PASS[tier]);
  // One key-range read per series: the tables are keyed (series, t), so a bare time range would scan them.
  const read = store.db.sqlite.prepare(
    source === 'raw'
      ? 'SELECT t, v AS mn, v AS mx, v AS sm, 1 AS n, v AS p95 FROM watch_raw WHERE series = ? AND t >= ? AND t < ?'
      : 'SELECT t, mn, mx, sm, n, p95 FROM watch_m1 WHERE series = ? AND t >= ? AND t < ?',
  );
  const insert = store.db.sqlite.prepare(
    `INSERT OR REPLACE INTO watch_${tier} (series, t, mn, mx, sm, n, p95) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  let written = 0;
  store.db.sqlite.exec('BEGIN');
  try {
    for (const series of store.allSeriesIds()) {
      const buckets = new Map<number, Bucket>();
      for (const r of read.all(series, start, stop)) {
        const t = Math.floor(Number(r.t) / size) * size;
        const b = buckets.get(t);
        if (!b) {
          buckets.set(t, {
            mn: Number(r.mn),
            mx: Number(r.mx),
            sm: Number(r.sm),
            n: Number(r.n),
            p: [Number(r.p95)],
          });
        } else {
          b.mn = Math.min(b.mn, Number(r.mn));
          b.mx = Math.max(b.mx, Number(r.mx));
          b.sm += Number(r.sm);
          b.n += Number(r.n);
          b.p.push(Number(r.p95));
        }
      }
      for (const [t, b] of buckets) insert.run(series, t, b.mn, b.mx, b.sm, b.n, p95(b.p));
      written += buckets.size;
    }
    store.setMeta(`rollup.${tier}`, String(stop));
    store.db.sqlite.exec('COMMIT');
  } catch (error) {
    store.db.sqlite.exec('ROLLBACK');
    throw error;
  }
  return written;
}

/** The watermark of a tier: everything before it (seconds) is rolled up. Raw is always current. */
export function watermark(store: HistoryStore, tier: Tier, nowS: number): number {
  if (tier === 'raw') return nowS + 1;
  return Number(store.meta(`rollup.${tier}`) ?? 0);
}

/** Delete what each tier keeps no longer, series by series (each delete is a short key-range step). */
export function prune(store: HistoryStore, retention: Retention, nowMs: number): number {
  let deleted = 0;
  const ids = store.allSeriesIds();
  for (const tier of ['raw', 'm1', 'm15'] as const) {
    const cutoff = Math.floor((nowMs - retention[tier]) / 1000);
    const del = store.db.sqlite.prepare(`DELETE FROM watch_${tier} WHERE series = ? AND t < ?`);
    store.db.sqlite.exec('BEGIN');
    for (const id of ids) deleted += Number(del.run(id, cutoff).changes);
    store.db.sqlite.exec('COMMIT');
  }
  const eventCutoff = nowMs - Math.max(retention.m15, retention.m1, retention.raw);
  deleted += Number(store.db.sqlite.prepare('DELETE FROM watch_events WHERE t < ?').run(eventCutoff).changes);
  return deleted;
}

/** The oldest sample time (seconds) in any tier: one index seek per series and tier. */
function oldestSample(store: HistoryStore, ids: number[]): number | undefined {
  let oldest: number | undefined;
  for (const tier of ['m15', 'm1', 'raw']) {
    const first = store.db.sqlite.prepare(`SELECT t FROM watch_${tier} WHERE series = ? ORDER BY t LIMIT 1`);
    for (const id of ids) {
      const row = first.get(id);
      if (row && (oldest === undefined || Number(row.t) < oldest)) oldest = Number(row.t);
    }
  }
  return oldest;
}

/**
 * Keep the database under its hard cap: while it is over, drop the oldest tenth of
 * what is kept (every tier, and events), then give the free pages back to the file system.
 */
export function enforceCap(store: HistoryStore, retention: Retention, nowMs: number, log: Logger): boolean {
  let trimmed = false;
  for (let round = 0; round < 10 && store.usedBytes() > retention.maxBytes; round++) {
    const ids = store.allSeriesIds();
    const from = oldestSample(store, ids);
    if (from === undefined) break;
    const cut = from + Math.max(60, Math.floor((nowMs / 1000 - from) / 10));
    store.db.sqlite.exec('BEGIN');
    for (const tier of ['raw', 'm1', 'm15']) {
      const del = store.db.sqlite.prepare(`DELETE FROM watch_${tier} WHERE series = ? AND t < ?`);
      for (const id of ids) del.run(id, cut);
    }
    store.db.sqlite.prepare('DELETE FROM watch_events WHERE t < ?').run(cut * 1000);
    store.db.sqlite.exec('COMMIT');
    trimmed = true;
    log.warn(
      { max_bytes: retention.maxBytes, dropped_before: new Date(cut * 1000).toISOString() },
      'metrics history reached watch.max_size; dropped its oldest data',
    );
  }
  if (trimmed) store.db.sqlite.exec('PRAGMA incremental_vacuum;');
  return trimmed;
}

import { GatewayError } from '../errors.ts';
import { labelsMatch } from './match.ts';
import { p95, type Retention, watermark } from './retention.ts';
import type { SeriesName } from './series.ts';
import { type HistoryStore, SCALE, TIER_BUCKET, TIERS, type Tier } from './store.ts';

/**
 * Questions over the history as plain functions of the store, so the tools, the
 * reports, the CLI and a dashboard ask them the same way.
 */

export interface Point {
  t: string;
  min: number;
  avg: number;
  max: number;
  p95: number;
  samples: number;
}

export interface SeriesHistory {
  name: SeriesName;
  labels: Record<string, string>;
  points: Point[];
}

export interface HistoryQuery {
  name: SeriesName;
  match?: Record<string, string>;
  fromMs: number;
  toMs: number;
  /** Seconds per point. */
  stepS: number;
  nowMs: number;
  retention: Retention;
  maxPoints: number;
  maxSeries: number;
}

interface Segment {
  tier: Tier;
  from: number;
  to: number;
}

/**
 * Which tier answers which part of [from, to): the coarsest tier whose buckets fit in a
 * step for what it holds, finer tiers for the newest part not rolled up yet, and coarser
 * tiers for what is older than the chosen one keeps.
 */
export function plan(
  fromS: number,
  toS: number,
  stepS: number,
  nowMs: number,
  retention: Retention,
  rolledUpTo: (tier: Tier) => number,
): Segment[] {
  const nowS = Math.floor(nowMs / 1000);
  const lower = (tier: Tier) => nowS - Math.floor(retention[tier] / 1000);
  const allowed = TIERS.filter((tier) => TIER_BUCKET[tier] <= stepS);
  const chosen = allowed[allowed.length - 1] ?? 'raw';
  const segments: Segment[] = [];
  let cursor = fromS;
  // Older than the chosen tier keeps: coarser tiers, coarsest first.
  for (const tier of [...TIERS].reverse()) {
    if (TIER_BUCKET[tier] <= TIER_BUCKET[chosen]) break;
    const end = Math.min(toS, lower(chosen), rolledUpTo(tier));
    if (end > cursor) {
      segments.push({ tier, from: Math.max(cursor, lower(tier)), to: end });
      cursor = end;
    }
  }
  // The chosen tier, then each finer one for what is not rolled up yet.
  for (const tier of [...allowed].reverse()) {
    const end = Math.min(toS, rolledUpTo(tier));
    const start = Math.max(cursor, lower(tier));
    if (end > start) segments.push({ tier, from: start, to: end });
    cursor = Math.max(cursor, end);
  }
  return segments.filter((s) => s.to > s.from);
}

function rowsOf(store: HistoryStore, segment: Segment, ids: number[]) {
  const placeholders = ids.map(() => '?').join(',');
  const sql =
    segment.tier === 'raw'
      ? `SELECT series, t, v AS mn, v AS mx, v AS sm, 1 AS n, v AS p95 FROM watch_raw WHERE series IN (${placeholders}) AND t >= ? AND t < ?`
      : `SELECT series, t, mn, mx, sm, n, p95 FROM watch_${segment.tier} WHERE series IN (${placeholders}) AND t >= ? AND t < ?`;
  return store.db.sqlite.prepare(sql).all(...ids, segment.from, segment.to);
}

/** Min/avg/max/p95 of every matching series at a chosen step. */
export function history(store: HistoryStore, q: HistoryQuery): { series: SeriesHistory[]; step_s: number } {
  store.flush(); // what the collector buffered is part of the answer
  const fromS = Math.floor(q.fromMs / 1000);
  const toS = Math.ceil(q.toMs / 1000);
  const points = Math.ceil((toS - fromS) / q.stepS);
  if (points > q.maxPoints) {
    const minStep = Math.ceil((toS - fromS) / q.maxPoints);
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `That range at a ${q.stepS}s step is ${points} points; at most ${q.maxPoints} are returned. Use a step of at least ${minStep}s (e.g. "${Math.ceil(minStep / 60)}m") or a shorter range.`,
    );
  }
  const matching = store.seriesByName([q.name]).filter((s) => labelsMatch(s.labels, q.match));
  if (matching.length > q.maxSeries) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `${matching.length} series of ${q.name} match; at most ${q.maxSeries} are returned at once. Narrow it with match (e.g. one ${Object.keys(matching[0]!.labels).join('/')}).`,
    );
  }
  if (matching.length === 0) return { series: [], step_s: q.stepS };
  const segments = segmentsFor(store, fromS, toS, q.stepS, q.nowMs, q.retention);
  const buckets = new Map<
    number,
    Map<number, { mn: number; mx: number; sm: number; n: number; p: number[] }>
  >();
  const ids = matching.map((s) => s.id);
  for (const segment of segments) {
    for (const r of rowsOf(store, segment, ids)) {
      const series = Number(r.series);
      const t = Math.floor(Number(r.t) / q.stepS) * q.stepS;
      const perSeries = buckets.get(series) ?? new Map();
      buckets.set(series, perSeries);
      const b = perSeries.get(t);
      if (!b)
        perSeries.set(t, {
          mn: Number(r.mn),
          mx: Number(r.mx),
          sm: Number(r.sm),
          n: Number(r.n),
          p: [Number(r.p95)],
        });
      else {
        b.mn = Math.min(b.mn, Number(r.mn));
        b.mx = Math.max(b.mx, Number(r.mx));
        b.sm += Number(r.sm);
        b.n += Number(r.n);
        b.p.push(Number(r.p95));
      }
    }
  }
  const round = (v: number) => Math.round((v / SCALE) * 100) / 100;
  return {
    step_s: q.stepS,
    series: matching.map((s) => ({
      name: q.name,
      labels: s.labels,
      points: [...(buckets.get(s.id) ?? new Map()).entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([t, b]) => ({
          t: new Date(t * 1000).toISOString(),
          min: round(b.mn),
          avg: round(b.sm / b.n),
          max: round(b.mx),
          p95: round(p95(b.p)),
          samples: b.n,
        })),
    })),
  };
}

function segmentsFor(
  store: HistoryStore,
  fromS: number,
  toS: number,
  stepS: number,
  nowMs: number,
  r: Retention,
) {
  const nowS = Math.floor(nowMs / 1000);
  return plan(fromS, toS, stepS, nowMs, r, (tier) => watermark(store, tier, nowS));
}

export interface TopQuery {
  by: 'cpu' | 'memory';
  fromMs: number;
  toMs: number;
  nowMs: number;
  retention: Retention;
  /** Seconds between samples (the collector interval), to turn CPU shares into CPU seconds. */
  intervalS: number;
  limit: number;
  /** Include containers (the caller may read Docker). */
  containers: boolean;
}

export interface Consumer {
  kind: 'process' | 'container';
  name: string;
  user?: string;
  cpu_seconds?: number;
  avg_cpu_percent?: number;
  peak_cpu_percent?: number;
  avg_memory_bytes?: number;
  peak_memory_bytes?: number;
  samples: number;
}

/** Processes (by name and user) and containers ranked by CPU time or peak memory over a range. */
export function topConsumers(store: HistoryStore, q: TopQuery): Consumer[] {
  store.flush();
  const names: SeriesName[] = q.by === 'cpu' ? ['process.cpu.percent'] : ['process.memory.bytes'];
  if (q.containers)
    names.push(q.by === 'cpu' ? 'docker.container.cpu.percent' : 'docker.container.memory.bytes');
  const series = store.seriesByName(names);
  if (series.length === 0) return [];
  const fromS = Math.floor(q.fromMs / 1000);
  const toS = Math.ceil(q.toMs / 1000);
  // Long ranges read the 1-minute tier: the same sums, a fifteenth of the rows.
  const step = toS - fromS >= 3600 ? 60 : 1;
  const totals = new Map<number, { sm: number; n: number; mx: number }>();
  const ids = series.map((s) => s.id);
  for (const segment of segmentsFor(store, fromS, toS, step, q.nowMs, q.retention)) {
    const placeholders = ids.map(() => '?').join(',');
    const sql =
      segment.tier === 'raw'
        ? `SELECT series, SUM(v) AS sm, COUNT(*) AS n, MAX(v) AS mx FROM watch_raw WHERE series IN (${placeholders}) AND t >= ? AND t < ? GROUP BY series`
        : `SELECT series, SUM(sm) AS sm, SUM(n) AS n, MAX(mx) AS mx FROM watch_${segment.tier} WHERE series IN (${placeholders}) AND t >= ? AND t < ? GROUP BY series`;
    for (const r of store.db.sqlite.prepare(sql).all(...ids, segment.from, segment.to)) {
      const id = Number(r.series);
      const t = totals.get(id) ?? { sm: 0, n: 0, mx: 0 };
      t.sm += Number(r.sm);
      t.n += Number(r.n);
      t.mx = Math.max(t.mx, Number(r.mx));
      totals.set(id, t);
    }
  }
  const rangeS = Math.max(1, toS - fromS);
  const rounded = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
  const out: Consumer[] = [];
  for (const s of series) {
    const t = totals.get(s.id);
    if (!t || t.n === 0) continue;
    const base = s.name.startsWith('docker.')
      ? { kind: 'container' as const, name: s.labels.container ?? '' }
      : { kind: 'process' as const, name: s.labels.name ?? '', user: s.labels.user ?? '' };
    if (q.by === 'cpu') {
      const cpuSeconds = (t.sm / SCALE / 100) * q.intervalS;
      out.push({
        ...base,
        cpu_seconds: rounded(cpuSeconds),
        avg_cpu_percent: rounded((cpuSeconds / rangeS) * 100, 2),
        peak_cpu_percent: rounded(t.mx / SCALE),
        samples: t.n,
      });
    } else {
      out.push({
        ...base,
        avg_memory_bytes: Math.round(t.sm / t.n / SCALE),
        peak_memory_bytes: Math.round(t.mx / SCALE),
        samples: t.n,
      });
    }
  }
  const key = (c: Consumer) => (q.by === 'cpu' ? (c.cpu_seconds ?? 0) : (c.peak_memory_bytes ?? 0));
  return out.sort((a, b) => key(b) - key(a)).slice(0, q.limit);
}

export interface StoredEvent {
  time: string;
  kind: string;
  area: string;
  subject: string;
  detail: Record<string, unknown>;
}

/** Events recorded in [from, to), oldest first, of the given areas. */
export function eventsBetween(
  store: HistoryStore,
  fromMs: number,
  toMs: number,
  areas: readonly string[],
  limit: number,
): { events: StoredEvent[]; truncated: boolean } {
  if (areas.length === 0) return { events: [], truncated: false };
  store.flush();
  const rows = store.db.sqlite
    .prepare(
      `SELECT t, kind, area, subject, detail FROM watch_events WHERE t >= ? AND t < ? AND area IN (${areas.map(() => '?').join(',')}) ORDER BY t, id LIMIT ?`,
    )
    .all(fromMs, toMs, ...areas, limit + 1);
  return {
    truncated: rows.length > limit,
    events: rows.slice(0, limit).map((r) => ({
      time: new Date(Number(r.t)).toISOString(),
      kind: String(r.kind),
      area: String(r.area),
      subject: String(r.subject),
      detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    })),
  };
}

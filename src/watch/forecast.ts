import { history } from './query.ts';
import type { Retention } from './retention.ts';
import type { HistoryStore } from './store.ts';

export interface DiskForecast {
  mount: string;
  used_percent: number;
  /** Percentage points per day at the trend over the lookback (negative: shrinking). */
  growth_percent_per_day: number;
  /** When it reaches 100 % at that trend; null when it is not growing. */
  full_at: string | null;
  days_left: number | null;
  samples: number;
}

/** Least-squares slope and intercept of y over x. */
function fitLine(xs: number[], ys: number[]): { slope: number; intercept: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const slope = den === 0 ? 0 : num / den;
  return { slope, intercept: my - slope * mx };
}

/**
 * When each file system fills at the trend of the lookback window: a straight line
 * fitted to its use (100 points over the window), extended to 100 %.
 */
export function diskForecast(
  store: HistoryStore,
  options: { nowMs: number; lookbackMs: number; retention: Retention; mount?: string },
): DiskForecast[] {
  const stepS = Math.max(60, Math.floor(options.lookbackMs / 1000 / 100));
  const { series } = history(store, {
    name: 'host.disk.used_percent',
    match: options.mount ? { mount: options.mount } : undefined,
    fromMs: options.nowMs - options.lookbackMs,
    toMs: options.nowMs,
    stepS,
    nowMs: options.nowMs,
    retention: options.retention,
    maxPoints: 1000,
    maxSeries: 200,
  });
  const out: DiskForecast[] = [];
  for (const s of series) {
    if (s.points.length < 3) continue;
    const xs = s.points.map((p) => Date.parse(p.t) / 86_400_000);
    const ys = s.points.map((p) => p.avg);
    const { slope } = fitLine(xs, ys);
    const current = s.points[s.points.length - 1]!.avg;
    const days = slope > 1e-6 ? Math.max(0, (100 - current) / slope) : null;
    out.push({
      mount: s.labels.mount ?? '',
      used_percent: current,
      growth_percent_per_day: Math.round(slope * 1000) / 1000,
      full_at: days === null ? null : new Date(options.nowMs + days * 86_400_000).toISOString(),
      days_left: days === null ? null : Math.round(days * 10) / 10,
      samples: s.points.reduce((a, p) => a + p.samples, 0),
    });
  }
  return out.sort(
    (a, b) => (a.days_left ?? Number.POSITIVE_INFINITY) - (b.days_left ?? Number.POSITIVE_INFINITY),
  );
}

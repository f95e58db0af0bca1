import type { HistorySource } from '../modules/ssh/fleet.ts';
import type { HostHistory } from '../modules/ssh/placement-rank.ts';
import type { AlertStore } from './alerts/store.ts';
import type { Clock } from './clock.ts';
import { history } from './query.ts';
import type { Retention } from './retention.ts';
import type { SeriesName } from './series.ts';
import type { HistoryStore } from './store.ts';

const WINDOW_MS = 24 * 3_600_000;

/**
 * What fleet_pick_host learns from the history: each host's 1-minute load and memory use
 * at the 95th percentile over the last day (one bucket, so one cheap query per series),
 * and the alerts open on it now. A host the collector has not seen yet is left out.
 */
export function fleetHistory(parts: {
  store: HistoryStore;
  alerts: AlertStore;
  clock: Clock;
  retention: Retention;
}): HistorySource {
  return async (hosts) => {
    const now = parts.clock.now();
    const p95Of = (name: SeriesName, host: string): number | undefined => {
      const { series } = history(parts.store, {
        name,
        match: { host },
        fromMs: now - WINDOW_MS,
        toMs: now,
        stepS: WINDOW_MS / 1000,
        nowMs: now,
        retention: parts.retention,
        maxPoints: 10,
        maxSeries: 1,
      });
      const values = series.flatMap((s) => s.points.map((p) => p.p95));
      return values.length ? Math.max(...values) : undefined;
    };
    const open = parts.alerts.open();
    const out = new Map<string, HostHistory>();
    for (const host of hosts) {
      const loadP95 = p95Of('fleet.host.load.1', host);
      const memoryP95Percent = p95Of('fleet.host.memory.used_percent', host);
      const openAlerts = open
        .filter((a) => a.labels.host === host)
        .map((a) => `${a.rule}: ${a.summary}`)
        .slice(0, 20);
      if (loadP95 === undefined && memoryP95Percent === undefined && openAlerts.length === 0) continue;
      out.set(host, {
        ...(loadP95 === undefined ? {} : { loadP95 }),
        ...(memoryP95Percent === undefined ? {} : { memoryP95Percent }),
        window: 'the last 24 h',
        openAlerts,
      });
    }
    return out;
  };
}

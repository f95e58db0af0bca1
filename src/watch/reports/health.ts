import { hostname } from 'node:os';
import { type AuditSummary, auditRecordsBetween } from '../../audit/range.ts';
import type { AlertStore } from '../alerts/store.ts';
import { type AlertView, alertView } from '../alerts/view.ts';
import { type Consumer, eventsBetween, history, topConsumers } from '../query.ts';
import type { Retention } from '../retention.ts';
import { type Area, SERIES, type SeriesName } from '../series.ts';
import type { HistoryStore } from '../store.ts';
import type { ChartSeries } from './svg.ts';

export interface HealthReportData {
  title: string;
  host: string;
  from: number;
  to: number;
  generatedAt: number;
  coveragePercent: number | null;
  peaks: { what: string; unit: string; avg: number; p95: number; max: number }[];
  charts: { title: string; unit: string; series: ChartSeries[] }[];
  topCpu: Consumer[];
  topMemory: Consumer[];
  alerts: AlertView[];
  alertCounts: Record<string, number>;
  eventCounts: Record<string, number>;
  changes: AuditSummary[] | null;
  updates: { pending: number | null; security: number | null };
  fleet: { host: string; availability_percent: number }[];
}

export interface HealthReportInput {
  store: HistoryStore;
  alerts: AlertStore;
  retention: Retention;
  intervalMs: number;
  auditPath: string;
  fromMs: number;
  toMs: number;
  nowMs: number;
  areas: readonly Area[];
  /** Include audit-log changes (the reader may read the audit log). */
  audit: boolean;
  hostLabel?: string;
}

const MAX_LIST = 100;

function summarize(input: HealthReportInput, name: SeriesName, stepS: number) {
  return history(input.store, {
    name,
    fromMs: input.fromMs,
    toMs: input.toMs,
    stepS,
    nowMs: input.nowMs,
    retention: input.retention,
    maxPoints: 10_000,
    maxSeries: 50,
  }).series;
}

/** Everything a host/fleet health report says, gathered from the history, the alerts and the audit log. */
export async function healthReportData(input: HealthReportInput): Promise<HealthReportData> {
  const spanS = Math.ceil((input.toMs - input.fromMs) / 1000);
  const stepS = Math.max(60, Math.ceil(spanS / 200));
  const peaks: HealthReportData['peaks'] = [];
  const charts: HealthReportData['charts'] = [];
  const has = (area: Area) => input.areas.includes(area);
  let coverage: number | null = null;

  if (has('system')) {
    for (const name of [
      'host.cpu.percent',
      'host.memory.used_percent',
      'host.load.1',
      'host.psi.memory.some',
      'host.disk.used_percent',
    ] as const) {
      const series = summarize(input, name, stepS);
      for (const s of series) {
        if (s.points.length === 0) continue;
        const n = s.points.reduce((a, p) => a + p.samples, 0);
        const avg = s.points.reduce((a, p) => a + p.avg * p.samples, 0) / n;
        peaks.push({
          what: `${name}${s.labels.mount ? ` ${s.labels.mount}` : ''}`,
          unit: SERIES[name].unit,
          avg: Math.round(avg * 10) / 10,
          p95: Math.max(...s.points.map((p) => p.p95)),
          max: Math.max(...s.points.map((p) => p.max)),
        });
        if (name === 'host.cpu.percent')
          coverage = Math.min(100, Math.round((n / (spanS / (input.intervalMs / 1000))) * 1000) / 10);
      }
      if (name !== 'host.load.1' && name !== 'host.psi.memory.some')
        charts.push({
          title: SERIES[name].description,
          unit: SERIES[name].unit,
          series: series.slice(0, 6).map((s) => ({
            label: s.labels.mount ?? name,
            points: s.points.map((p) => ({ t: Date.parse(p.t), v: p.avg })),
          })),
        });
    }
  }
  const top = (by: 'cpu' | 'memory') =>
    has('system')
      ? topConsumers(input.store, {
          by,
          fromMs: input.fromMs,
          toMs: input.toMs,
          nowMs: input.nowMs,
          retention: input.retention,
          intervalS: input.intervalMs / 1000,
          limit: 8,
          containers: has('docker'),
        })
      : [];
  const alerts = input.alerts
    .between(input.fromMs, input.toMs, 1000)
    .filter((a) => input.areas.includes(a.area as Area));
  const alertCounts: Record<string, number> = {};
  for (const a of alerts) alertCounts[a.severity] = (alertCounts[a.severity] ?? 0) + 1;
  const eventCounts: Record<string, number> = {};
  for (const e of eventsBetween(input.store, input.fromMs, input.toMs, input.areas, 10_000).events)
    eventCounts[e.kind] = (eventCounts[e.kind] ?? 0) + 1;
  let changes: AuditSummary[] | null = null;
  if (input.audit) {
    const { records } = await auditRecordsBetween(input.auditPath, input.fromMs, input.toMs, 5000);
    changes = records
      .filter((r) => r.event === 'tool.outcome' && r.risk !== undefined && r.risk !== 'low')
      .slice(-MAX_LIST);
  }
  const latest = (name: SeriesName) => {
    const s = has('system') ? summarize(input, name, Math.max(stepS, 3600)) : [];
    const last = s[0]?.points.at(-1);
    return last ? last.max : null;
  };
  const fleet = has('fleet')
    ? summarize(input, 'fleet.host.up', stepS).map((s) => {
        const n = s.points.reduce((a, p) => a + p.samples, 0);
        const up = s.points.reduce((a, p) => a + p.avg * p.samples, 0);
        return { host: s.labels.host ?? '', availability_percent: n ? Math.round((up / n) * 1000) / 10 : 0 };
      })
    : [];
  const host = input.hostLabel ?? hostname();
  return {
    title: `Health of ${host}`,
    host,
    from: input.fromMs,
    to: input.toMs,
    generatedAt: input.nowMs,
    coveragePercent: coverage,
    peaks,
    charts,
    topCpu: top('cpu'),
    topMemory: top('memory'),
    alerts: alerts.slice(0, MAX_LIST).map((a) => alertView(a, false)),
    alertCounts,
    eventCounts,
    changes,
    updates: { pending: latest('updates.pending'), security: latest('updates.security_pending') },
    fleet,
  };
}

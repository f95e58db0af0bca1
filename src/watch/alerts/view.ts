import { z } from 'zod';
import type { AlertRecord } from './store.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const alertSchema = z.object({
  id: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  area: z.string(),
  status: z.enum(['firing', 'acknowledged', 'resolved']),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  value: z.number().nullable(),
  started_at: z.string(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  resolved_at: z.string().nullable(),
  silenced: z.boolean(),
});

export type AlertView = z.infer<typeof alertSchema>;

/** An alert as tools, resources and reports show it. */
export function alertView(alert: AlertRecord, silenced: boolean): AlertView {
  return {
    id: alert.id,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    area: alert.area,
    status: alert.status,
    summary: alert.summary,
    labels: alert.labels,
    value: alert.value === null ? null : Math.round(alert.value * 100) / 100,
    started_at: new Date(alert.startedAt).toISOString(),
    acknowledged_at: iso(alert.acknowledgedAt),
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: iso(alert.resolvedAt),
    silenced,
  };
}

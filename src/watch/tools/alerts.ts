import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { ALERTS_URI } from '../../mcp/apps/index.ts';
import { formatArg } from '../../mcp/format.ts';
import { parseRange, parseWhen, whenArg } from '../../util/when.ts';
import { alertSchema, alertView } from '../alerts/view.ts';
import { readableAreas, requireArea, watchTool } from '../context.ts';
import type { Area } from '../series.ts';

const silenceSchema = z.object({
  id: z.string(),
  rule: z.string(),
  match: z.record(z.string(), z.string()),
  ends_at: z.string(),
  created_by: z.string(),
  reason: z.string(),
});

export const watchAlertsList = watchTool({
  name: 'watch_alerts_list',
  title: 'Watch: Open alerts',
  description: 'Alerts firing or acknowledged now (by whom), most severe first, and the silences in force.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({
    alerts: z.array(alertSchema),
    count: z.number().int(),
    silences: z.array(silenceSchema),
  }),
  ui: ALERTS_URI,
  handler: (_input, { watch, principal }) => {
    const areas = readableAreas(principal);
    const now = watch.clock.now();
    const rank = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
    const alerts = watch.alerts
      .open()
      .filter((a) => areas.includes(a.area as Area))
      .map((a) => alertView(a, watch.engine.isSilenced(a, now)))
      .sort(
        (a, b) =>
          (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || a.started_at.localeCompare(b.started_at),
      );
    return {
      alerts,
      count: alerts.length,
      silences: watch.alerts.silences(now).map((s) => ({
        id: s.id,
        rule: s.rule,
        match: s.match,
        ends_at: new Date(s.endsAt).toISOString(),
        created_by: s.createdBy,
        reason: s.reason,
      })),
    };
  },
});

export const watchAlertsHistory = watchTool({
  name: 'watch_alerts_history',
  title: 'Watch: Alert history',
  description: 'Alerts that were open at any time in a range (resolved ones included), newest first.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    from: whenArg('Start of the range').optional(),
    to: whenArg('End of the range (default now)').optional(),
    rule: z.string().max(63).optional().describe('Only alerts of this rule'),
    limit: z.number().int().min(1).max(500).default(100).describe('Most alerts returned'),
    format: formatArg,
  }),
  output: z.object({ from: z.string(), to: z.string(), alerts: z.array(alertSchema) }),
  handler: (input, { watch, principal }) => {
    const now = watch.clock.now();
    const { from, to } = parseRange(input, { now: new Date(now), defaultFrom: '7d' });
    const areas = readableAreas(principal);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      alerts: watch.alerts
        .between(from.getTime(), to.getTime(), 2000)
        .filter((a) => areas.includes(a.area as Area) && (!input.rule || a.rule === input.rule))
        .slice(0, input.limit)
        .map((a) => alertView(a, watch.engine.isSilenced(a, now))),
    };
  },
});

export const watchAlertGet = watchTool({
  name: 'watch_alert_get',
  title: 'Watch: One alert with its story',
  description:
    'One alert: its rule, every state change (who acknowledged it), and each notification delivery with its outcome.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({ alert_id: z.string().uuid().describe('The alert id (watch_alerts_list shows it)') }),
  output: z.object({
    alert: alertSchema,
    changes: z.array(
      z.object({
        time: z.string(),
        change: z.string(),
        by: z.string().nullable(),
        detail: z.record(z.string(), z.unknown()),
      }),
    ),
    deliveries: z.array(
      z.object({
        change: z.string(),
        channel: z.string(),
        target: z.string(),
        status: z.string(),
        attempts: z.number().int(),
        error: z.string().nullable(),
        at: z.string(),
      }),
    ),
  }),
  handler: ({ alert_id }, { watch, principal }) => {
    const alert = watch.alerts.get(alert_id);
    if (!alert)
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No alert "${alert_id}". watch_alerts_history lists past ones.`,
      );
    requireArea(principal, alert.area as Area, `Alert ${alert_id}`);
    return {
      alert: alertView(alert, watch.engine.isSilenced(alert, watch.clock.now())),
      changes: watch.alerts
        .changes(alert_id)
        .map((c) => ({ time: new Date(c.t).toISOString(), change: c.change, by: c.by, detail: c.detail })),
      deliveries: watch.alerts.deliveries(alert_id),
    };
  },
});

/** Who did it, as alert records and notifications name them. */
function who(principal: { name: string; id: string }): string {
  return principal.name && principal.name !== principal.id
    ? `${principal.name} (${principal.id})`
    : principal.id;
}

export const watchAlertAcknowledge = watchTool({
  name: 'watch_alert_acknowledge',
  title: 'Watch: Acknowledge an alert',
  description:
    'Say someone is on it: the alert stays open until its condition clears, is marked acknowledged by you, and the channels get one message saying so.',
  permission: 'system:write',
  risk: 'moderate',
  idempotent: false,
  input: z.object({
    alert_id: z.string().uuid().describe('The alert id (watch_alerts_list shows it)'),
    comment: z.string().max(500).optional().describe('What you are doing about it'),
  }),
  output: z.object({ alert: alertSchema }),
  summarize: ({ alert_id }) => `Acknowledge alert ${alert_id}`,
  handler: ({ alert_id, comment }, { watch, principal }) => {
    const alert = watch.alerts.get(alert_id);
    if (!alert)
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No alert "${alert_id}". List open ones with watch_alerts_list.`,
      );
    requireArea(principal, alert.area as Area, `Alert ${alert_id}`);
    const now = watch.clock.now();
    const updated = watch.engine.acknowledge(alert_id, who(principal), comment ?? null, now);
    return { alert: alertView(updated, watch.engine.isSilenced(updated, now)) };
  },
});

export const watchSilenceCreate = watchTool({
  name: 'watch_silence_create',
  title: 'Watch: Silence alerts until a time',
  description:
    'Stop notifications for alerts of a rule (and labels) until a time, e.g. during maintenance. Alerts still fire and are recorded; their messages are recorded as suppressed.',
  permission: 'system:write',
  risk: 'moderate',
  idempotent: false,
  input: z.object({
    rule: z.string().min(1).max(63).describe('Rule name, or a glob such as "container-*" or "*"'),
    match: z
      .record(z.string().max(40), z.string().max(200))
      .refine((m) => Object.keys(m).length <= 5, 'at most 5 labels')
      .default({})
      .describe('Label globs, e.g. { "container": "jellyfin" }'),
    until: whenArg('When the silence ends, in the future ("in 2h", "+30m", "2026-01-31 08:00")'),
    reason: z.string().min(1).max(500).describe('Why (shown with the silence)'),
  }),
  output: silenceSchema,
  summarize: ({ rule, until }) => `Silence alerts of ${rule} until ${until}`,
  handler: (input, { watch, principal }) => {
    const now = watch.clock.now();
    const endsAt = parseWhen(input.until, new Date(now), 'until').getTime();
    if (endsAt - now > 90 * 86_400_000)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        'A silence lasts 90 days at most; for longer, disable the rule instead.',
      );
    const silence = watch.engine.addSilence(
      { rule: input.rule, match: input.match, endsAt, by: who(principal), reason: input.reason },
      now,
    );
    return {
      id: silence.id,
      rule: silence.rule,
      match: silence.match,
      ends_at: new Date(silence.endsAt).toISOString(),
      created_by: silence.createdBy,
      reason: silence.reason,
    };
  },
});

export const watchSilenceRemove = watchTool({
  name: 'watch_silence_remove',
  title: 'Watch: End a silence early',
  description:
    'End a silence before its time; notifications for its alerts resume with the next state change.',
  permission: 'system:write',
  risk: 'moderate',
  input: z.object({
    silence_id: z.string().uuid().describe('The silence id (watch_alerts_list shows them)'),
  }),
  output: z.object({ removed: z.boolean() }),
  summarize: ({ silence_id }) => `End silence ${silence_id}`,
  handler: ({ silence_id }, { watch }) => {
    if (!watch.alerts.removeSilence(silence_id))
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No silence "${silence_id}". watch_alerts_list shows those in force.`,
      );
    return { removed: true };
  },
});

export const alertTools = [
  watchAlertsList,
  watchAlertsHistory,
  watchAlertGet,
  watchAlertAcknowledge,
  watchSilenceCreate,
  watchSilenceRemove,
];

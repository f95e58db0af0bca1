import { z } from 'zod';
import { auditRecordsBetween } from '../../audit/range.ts';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { parseAge, parseRange, whenArg } from '../../util/when.ts';
import { readableAreas, watchTool } from '../context.ts';
import { diskForecast } from '../forecast.ts';
import { eventsBetween } from '../query.ts';

const range = {
  from: whenArg('Start of the range').optional(),
  to: whenArg('End of the range (default now)').optional(),
};

const MAX_EVENTS = 500;

export const watchEvents = watchTool({
  name: 'watch_events',
  title: 'Watch: What happened in a range',
  description:
    'Events in a time range — container deaths, OOM kills, restarts, health changes, unit state changes, peers going offline, alerts — merged in time order with the audit log\'s records of the same range (who called which tool), so "what changed before this?" has one answer.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    ...range,
    subject: z.string().max(200).optional().describe('Only events about this container, unit, peer or host'),
    include_audit: z.boolean().default(true).describe('Merge the audit log (needs audit:read)'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_EVENTS)
      .default(200)
      .describe('Most items returned (oldest first)'),
    format: formatArg,
  }),
  output: z.object({
    from: z.string(),
    to: z.string(),
    items: z.array(
      z.object({
        time: z.string(),
        source: z.enum(['watch', 'audit']),
        kind: z.string(),
        subject: z.string(),
        detail: z.record(z.string(), z.unknown()),
      }),
    ),
    truncated: z.boolean(),
    note: z.string().optional(),
  }),
  handler: async (input, ctx) => {
    const { watch, principal } = ctx;
    const now = watch.clock.now();
    const { from, to } = parseRange(input, { now: new Date(now), defaultFrom: '1h' });
    const areas = readableAreas(principal);
    const watched = eventsBetween(watch.store, from.getTime(), to.getTime(), areas, input.limit);
    type Item = {
      time: string;
      source: 'watch' | 'audit';
      kind: string;
      subject: string;
      detail: Record<string, unknown>;
    };
    const items: Item[] = watched.events
      .filter((e) => !input.subject || e.subject === input.subject)
      .map((e) => ({ time: e.time, source: 'watch', kind: e.kind, subject: e.subject, detail: e.detail }));
    for (const alert of watch.alerts.between(from.getTime(), to.getTime(), input.limit)) {
      if (!areas.includes(alert.area as never)) continue;
      for (const change of watch.alerts.changes(alert.id)) {
        if (change.t < from.getTime() || change.t >= to.getTime()) continue;
        items.push({
          time: new Date(change.t).toISOString(),
          source: 'watch',
          kind: `alert.${change.change}`,
          subject: alert.rule,
          detail: {
            alert_id: alert.id,
            summary: alert.summary,
            labels: alert.labels,
            ...(change.by ? { by: change.by } : {}),
          },
        });
      }
    }
    let truncated = watched.truncated;
    let note: string | undefined;
    if (input.include_audit) {
      if (principal.permissions.has('audit:read')) {
        const audit = await auditRecordsBetween(watch.auditPath, from.getTime(), to.getTime(), input.limit);
        truncated ||= audit.truncated;
        for (const r of audit.records) {
          if (input.subject && r.tool !== input.subject) continue;
          const { time, event, tool, uri, ...detail } = r;
          items.push({ time, source: 'audit', kind: event, subject: tool ?? uri ?? '', detail });
        }
      } else note = 'Audit records are left out: reading them needs audit:read.';
    }
    items.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    if (items.length > input.limit) truncated = true;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      items: items.slice(0, input.limit),
      truncated,
      ...(note ? { note } : {}),
    };
  },
});

export const watchDiskForecast = watchTool({
  name: 'watch_disk_forecast',
  title: 'Watch: When will the disks fill',
  description:
    'For each file system, when it will be full at the trend of its recent history (a straight line fitted over the lookback), fullest first.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    lookback: z
      .string()
      .max(20)
      .refine((s) => (parseAge(s) ?? 0) >= 3_600_000, 'a duration of at least 1h, e.g. "24h", "7d"')
      .default('24h')
      .describe('How much history the trend is fitted over'),
    mount: z.string().max(500).optional().describe('Only this mount point'),
  }),
  output: z.object({
    lookback: z.string(),
    disks: z.array(
      z.object({
        mount: z.string(),
        used_percent: z.number(),
        growth_percent_per_day: z.number(),
        full_at: z.string().nullable(),
        days_left: z.number().nullable(),
        samples: z.number().int(),
      }),
    ),
  }),
  handler: ({ lookback, mount }, ctx) => {
    const { watch } = ctx;
    const lookbackMs = parseAge(lookback)!;
    if (lookbackMs > watch.retention.m15)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `The history goes back ${watch.retention.m15 / 86_400_000} days; give a shorter lookback.`,
      );
    return {
      lookback,
      disks: diskForecast(watch.store, {
        nowMs: watch.clock.now(),
        lookbackMs,
        retention: watch.retention,
        mount,
      }),
    };
  },
});

export const eventTools = [watchEvents, watchDiskForecast];

import { z } from 'zod';
import { HISTORY_CHART_URI } from '../../mcp/apps/index.ts';
import { formatArg } from '../../mcp/format.ts';
import { parseAge, parseRange, whenArg } from '../../util/when.ts';
import { readableAreas, requireArea, watchTool } from '../context.ts';
import { history, topConsumers } from '../query.ts';
import { SERIES, SERIES_NAMES } from '../series.ts';

const range = {
  from: whenArg('Start of the range').optional(),
  to: whenArg('End of the range (default now)').optional(),
};

const stepArg = z
  .string()
  .max(20)
  .refine((s) => (parseAge(s) ?? 0) >= 1000, 'a duration such as "1m", "15m", "1h"')
  .optional()
  .describe('Seconds per point, as a duration ("1m", "15m", "1h"); default: the range in about 120 points');

const pointSchema = z.object({
  t: z.string(),
  min: z.number(),
  avg: z.number(),
  max: z.number(),
  p95: z.number(),
  samples: z.number().int(),
});

export const watchHistory = watchTool({
  name: 'watch_history',
  title: 'Watch: Metric history',
  description:
    'How one metric moved over a time range, at a chosen step, with min/avg/max/p95 per point: host CPU, load, memory, PSI, disks, network, processes, containers, fleet hosts (watch_series_list names them). E.g. series "host.cpu.percent", from "yesterday 01:00", to "yesterday 04:00", step "5m".',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    series: z
      .enum(SERIES_NAMES)
      .describe('The series, e.g. host.cpu.percent or docker.container.memory.bytes'),
    match: z
      .record(z.string().max(40), z.string().max(200))
      .refine((m) => Object.keys(m).length <= 5, 'at most 5 labels')
      .optional()
      .describe('Label globs, e.g. { "container": "jellyfin" } or { "mount": "/" }'),
    ...range,
    step: stepArg,
    format: formatArg,
  }),
  output: z.object({
    series: z.string(),
    unit: z.string(),
    from: z.string(),
    to: z.string(),
    step_s: z.number().int(),
    results: z.array(z.object({ labels: z.record(z.string(), z.string()), points: z.array(pointSchema) })),
    note: z.string().optional(),
  }),
  ui: HISTORY_CHART_URI,
  handler: (input, ctx) => {
    const { watch } = ctx;
    const info = SERIES[input.series];
    requireArea(ctx.principal, info.area, `The series ${input.series}`);
    const now = watch.clock.now();
    const { from, to } = parseRange(input, { now: new Date(now), defaultFrom: '1h' });
    const span = (to.getTime() - from.getTime()) / 1000;
    const stepS = input.step
      ? Math.round(parseAge(input.step)! / 1000)
      : Math.max(Math.round(watch.config.interval / 1000), Math.ceil(span / 120));
    const result = history(watch.store, {
      name: input.series,
      match: input.match,
      fromMs: from.getTime(),
      toMs: to.getTime(),
      stepS,
      nowMs: now,
      retention: watch.retention,
      maxPoints: watch.config.max_points,
      maxSeries: 20,
    });
    return {
      series: input.series,
      unit: info.unit,
      from: from.toISOString(),
      to: to.toISOString(),
      step_s: result.step_s,
      results: result.series.map((s) => ({ labels: s.labels, points: s.points })),
      ...(result.series.length === 0
        ? {
            note: 'Nothing recorded for this series in that range (watch_series_list shows what is recorded).',
          }
        : {}),
    };
  },
});

export const watchSeriesList = watchTool({
  name: 'watch_series_list',
  title: 'Watch: Recorded series',
  description:
    'The metrics the history records, with their unit, meaning and the label sets seen (e.g. which containers or disks).',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    prefix: z.string().max(60).optional().describe('Only series whose name starts with this, e.g. "docker."'),
    format: formatArg,
  }),
  output: z.object({
    series: z.array(
      z.object({
        name: z.string(),
        unit: z.string(),
        description: z.string(),
        labels: z.array(z.record(z.string(), z.string())),
        more_labels: z.number().int(),
      }),
    ),
  }),
  handler: ({ prefix }, ctx) => {
    const areas = readableAreas(ctx.principal);
    const names = SERIES_NAMES.filter(
      (n) => areas.includes(SERIES[n].area) && (!prefix || n.startsWith(prefix)),
    );
    const stored = ctx.watch.store.seriesByName(names);
    return {
      series: names.map((name) => {
        const labels = stored.filter((s) => s.name === name).map((s) => s.labels);
        return {
          name,
          unit: SERIES[name].unit,
          description: SERIES[name].description,
          labels: labels.slice(0, 50),
          more_labels: Math.max(0, labels.length - 50),
        };
      }),
    };
  },
});

export const watchTop = watchTool({
  name: 'watch_top',
  title: 'Watch: Top consumers over a range',
  description:
    'What used the CPU (or memory) over a time range: processes (by name and user) and containers, ranked. E.g. from "01:00", to "04:00" answers "what used the CPU last night?".',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    by: z.enum(['cpu', 'memory']).default('cpu').describe('Rank by CPU time or by peak memory'),
    ...range,
    limit: z.number().int().min(1).max(50).default(10).describe('How many consumers to return'),
    format: formatArg,
  }),
  output: z.object({
    from: z.string(),
    to: z.string(),
    by: z.string(),
    consumers: z.array(
      z.object({
        kind: z.enum(['process', 'container']),
        name: z.string(),
        user: z.string().optional(),
        cpu_seconds: z.number().optional(),
        avg_cpu_percent: z.number().optional().describe('Average over the range (100 = one core)'),
        peak_cpu_percent: z.number().optional(),
        avg_memory_bytes: z.number().optional(),
        peak_memory_bytes: z.number().optional(),
        samples: z.number().int(),
      }),
    ),
    note: z.string(),
  }),
  handler: (input, ctx) => {
    const { watch } = ctx;
    const now = watch.clock.now();
    const { from, to } = parseRange(input, { now: new Date(now), defaultFrom: '1h' });
    const containers = readableAreas(ctx.principal).includes('docker');
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      by: input.by,
      consumers: topConsumers(watch.store, {
        by: input.by,
        fromMs: from.getTime(),
        toMs: to.getTime(),
        nowMs: now,
        retention: watch.retention,
        intervalS: watch.config.interval / 1000,
        limit: input.limit,
        containers,
      }),
      note: `Processes are grouped by name and user; only the top ${watch.config.top_processes} per sample are recorded, so small ones may be missing.${containers ? '' : ' Containers are left out: reading them needs docker:read.'}`,
    };
  },
});

export const historyTools = [watchHistory, watchSeriesList, watchTop];

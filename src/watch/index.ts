import { z } from 'zod';
import { auditPath } from '../audit/path.ts';
import { GatewayError } from '../errors.ts';
import { aside, definePrompt, step } from '../mcp/prompt.ts';
import { defineResource, jsonResource } from '../mcp/resource.ts';
import { defineModule, type ToolModule } from '../modules/types.ts';
import { alertView } from './alerts/view.ts';
import type { Clock } from './clock.ts';
import { readableAreas, type WatchContext, watchTool } from './context.ts';
import { startWatch, type WatchRuntime } from './runtime.ts';
import type { Area } from './series.ts';
import { alertTools } from './tools/alerts.ts';
import { eventTools } from './tools/events.ts';
import { historyTools } from './tools/history.ts';
import { REPORT_URI, reportTools } from './tools/reports.ts';
import { ruleTools } from './tools/rules.ts';

/** What the collector is doing and how big the history is (the status tool and resource). */
export function watchStatus(watch: WatchRuntime, areas: readonly Area[]) {
  const now = watch.clock.now();
  const latest = (name: Parameters<WatchRuntime['snapshot']['values']>[0]) =>
    watch.snapshot
      .values(name, now - 3 * watch.config.interval)
      .map((v) => ({ labels: v.labels, value: Math.round(v.value * 100) / 100 }));
  const open = watch.alerts.open().filter((a) => areas.includes(a.area as Area));
  return {
    collector: {
      interval_s: watch.config.interval / 1000,
      collections: watch.collector.ticks,
      last_collection_ms: Math.round(watch.collector.lastTickMs),
      sources: Object.fromEntries(watch.collector.health),
    },
    history: {
      database_bytes: watch.store.usedBytes(),
      max_bytes: watch.config.max_size,
      series: watch.store.seriesCount,
      max_series: watch.config.max_series,
      samples_dropped: watch.store.droppedSamples + watch.store.droppedSeries,
    },
    now: areas.includes('system')
      ? {
          cpu_percent: latest('host.cpu.percent')[0]?.value ?? null,
          memory_used_percent: latest('host.memory.used_percent')[0]?.value ?? null,
          load_1: latest('host.load.1')[0]?.value ?? null,
          disks_used_percent: latest('host.disk.used_percent'),
        }
      : {},
    alerts: {
      firing: open.filter((a) => a.status === 'firing').length,
      acknowledged: open.filter((a) => a.status === 'acknowledged').length,
    },
    notifications: { channels: watch.notifier.channels, pending: watch.notifier.pending },
    exporters: watch.exporter.status(),
  };
}

const watchStatusTool = watchTool({
  name: 'watch_status',
  title: 'Watch: Collector status',
  description:
    'Whether the metrics collector is keeping up (each source, failures), how big the history is, the latest host figures, open alert counts, notification channels and exporters.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({}),
  output: z.object({
    collector: z.record(z.string(), z.unknown()),
    history: z.record(z.string(), z.unknown()),
    now: z.record(z.string(), z.unknown()),
    alerts: z.object({ firing: z.number().int(), acknowledged: z.number().int() }),
    notifications: z.record(z.string(), z.unknown()),
    exporters: z.array(z.record(z.string(), z.unknown())),
  }),
  handler: (_input, { watch, principal }) => watchStatus(watch, readableAreas(principal)),
});

const statusResource = defineResource<WatchContext>({
  name: 'watch_status',
  title: 'Watch status',
  description:
    'The collector, the latest host figures and open alert counts; subscribe to be told after every collection.',
  uri: 'tailwarden://watch/status',
  mimeType: 'application/json',
  tools: ['watch_status'],
  read: (_params, { watch, principal }) => jsonResource(watchStatus(watch, readableAreas(principal))),
  subscribe: ({ watch }, changed) => watch.onTick(changed),
});

const alertsResource = defineResource<WatchContext>({
  name: 'watch_alerts',
  title: 'Open alerts',
  description:
    'Alerts firing or acknowledged now; subscribe to be told when one fires, is acknowledged or resolves.',
  uri: 'tailwarden://watch/alerts',
  mimeType: 'application/json',
  tools: ['watch_alerts_list'],
  read: (_params, { watch, principal }) => {
    const areas = readableAreas(principal);
    const now = watch.clock.now();
    return jsonResource({
      alerts: watch.alerts
        .open()
        .filter((a) => areas.includes(a.area as Area))
        .map((a) => alertView(a, watch.engine.isSilenced(a, now))),
    });
  },
  subscribe: ({ watch }, changed) => watch.engine.onChange(() => changed()),
});

const reportResource = defineResource<WatchContext>({
  name: 'watch_report',
  title: 'Generated report',
  description: 'A report made by one of the watch_report_* tools, while it is kept (watch.reports_keep).',
  uriTemplate: `${REPORT_URI}{id}`,
  mimeType: 'text/plain',
  tools: ['watch_report_health'],
  read: ({ id }, { watch, principal }) => {
    const report = id ? watch.reports.get(id) : undefined;
    if (!report || !principal.permissions.has(report.permission))
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No report "${id}" (reports are kept for ${watch.config.reports_keep / 86_400_000} days); make a new one with watch_report_health.`,
      );
    return { mimeType: report.mimeType, text: report.content };
  },
});

const investigateAlert = definePrompt({
  name: 'investigate_alert',
  title: 'Investigate an alert',
  description:
    'Find out why an alert fired: its story, the metric around it, what changed before it, and the logs.',
  requires: ['watch_alert_get'],
  args: z.object({ alert_id: z.string().uuid().describe('The alert id (watch_alerts_list shows it)') }),
  render: ({ alert_id }) => [
    `Investigate alert ${alert_id} with the tailwarden tools. Do not change anything; explain and recommend.`,
    step(
      'watch_alert_get',
      `Call watch_alert_get {"alert_id": "${alert_id}"}: note its rule, kind, labels, when it started, its summary and whether someone acknowledged it.`,
    ),
    step(
      'watch_history',
      "For a threshold or disk alert, call watch_history with the rule's series and labels as match, from two hours before started_at to now; describe how the value moved.",
    ),
    aside('watch_disk_forecast', 'For a disk alert also call watch_disk_forecast.'),
    step(
      'watch_events',
      "Call watch_events from one hour before started_at to now (with the labels' container, unit or peer as subject when there is one, and once without): what happened just before — deployments, restarts, OOM kills, tool calls in the audit log?",
    ),
    step(
      'watch_top',
      'Call watch_top {"by": "cpu"} and {"by": "memory"} for the hour before started_at: who was busy?',
    ),
    step(
      'docker_container_logs_analyze',
      'For a container, read its logs since an hour before started_at with docker_container_logs_analyze.',
    ),
    step(
      'system_logs_analyze',
      'For a unit, call system_logs_analyze {"unit": …}; otherwise system_logs_analyze {"priority": "warning"}, each since an hour before started_at.',
    ),
    'Finish with: the most likely cause with its evidence, whether it is still happening, and the next step.',
    aside(
      'watch_alert_acknowledge',
      'Say whether acknowledging it with watch_alert_acknowledge is appropriate.',
    ),
  ],
});

/** The watch feature as a module: its tools go through the same call wrapper as every other tool. */
export function createWatchModule(options: { clock?: Clock } = {}): ToolModule<WatchContext> {
  return defineModule<WatchContext>({
    id: 'watch',
    title: 'Watch',
    enabled: (config) => config.watch.enabled,
    tools: [...historyTools, ...eventTools, ...alertTools, ...ruleTools, ...reportTools, watchStatusTool],
    areas: {
      history: ['watch_history', 'watch_series', 'watch_top', 'watch_events', 'watch_disk', 'watch_status'],
      alerts: ['watch_alert', 'watch_alerts', 'watch_rule', 'watch_rules', 'watch_silence'],
      reports: ['watch_report'],
    },
    prompts: [investigateAlert],
    resources: [statusResource, alertsResource, reportResource],
    start({ config, log, peer, started }) {
      const watch = startWatch({
        config,
        log,
        started,
        auditPath: auditPath(config),
        peer: peer ?? (() => undefined),
        clock: options.clock,
      });
      return {
        context: { watch },
        health: () => {
          const failing = [...watch.collector.health]
            .filter(([, h]) => h.failures > 0 && h.runs === 0)
            .map(([id]) => id);
          return failing.length > 0
            ? { status: 'degraded', detail: `metrics sources failing: ${failing.join(', ')}` }
            : { status: 'ok' };
        },
        connect: (link) => watch.remediation.connect(link),
        close: () => watch.close(),
      };
    },
  });
}

export const watchModule = createWatchModule();

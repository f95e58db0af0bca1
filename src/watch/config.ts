import { z } from 'zod';
import { bool, bytes, duration, enumOf, int, list, optionalStr, section } from '../config/fields.ts';
import { ruleSchema } from './alerts/rule-schema.ts';
import { remediationConfig } from './remediate/config.ts';

const httpUrl = z.url({ protocol: /^https?$/ });

const retentionSection = section(
  {
    full: duration('24h', { description: 'How long every sample is kept at full resolution.' }),
    minute: duration('7d', { description: 'How long 1-minute summaries (min, avg, max, p95) are kept.' }),
    quarter: duration('90d', { description: 'How long 15-minute summaries are kept.' }),
  },
  'How long the metrics history keeps each resolution.',
);

const notifySection = section(
  {
    webhooks: list(
      [],
      {
        description:
          'URLs that get a JSON POST for every alert state change (firing, acknowledged, resolved).',
        secret: true,
      },
      httpUrl,
    ),
    ntfy: optionalStr({
      description:
        'An ntfy topic URL (e.g. https://ntfy.sh/my-homelab-alerts) that gets a push per alert state change.',
      secret: true,
    }),
    ntfy_token: optionalStr({
      description: 'Access token for a protected ntfy topic (sent as a Bearer header).',
      secret: true,
      envOnly: true,
    }),
    gotify: optionalStr({
      description:
        'A Gotify server URL (e.g. https://gotify.home.lan); messages go to its /message endpoint.',
    }),
    gotify_token: optionalStr({
      description: 'The Gotify application token (sent as X-Gotify-Key).',
      secret: true,
      envOnly: true,
    }),
    on: list(
      ['firing', 'acknowledged', 'resolved', 'remediation'],
      { description: 'Which state changes are sent (remediation: each remediation step of an alert).' },
      z.enum(['firing', 'acknowledged', 'resolved', 'remediation']),
    ),
    min_severity: enumOf(['info', 'warning', 'critical'], 'warning', {
      description: 'Alerts below this severity are recorded but not sent.',
    }),
    timeout: duration('5s', { description: 'How long one delivery attempt may take.' }),
    attempts: int(
      5,
      { description: 'Attempts per delivery (with exponential backoff) before it is given up.' },
      1,
      20,
    ),
    backoff: duration('5s', {
      description: 'Wait before the first retry; doubled for each later one (at most 10 min).',
    }),
    max_per_hour: int(
      60,
      { description: 'Messages sent per hour at most; more are recorded as suppressed (no storm).' },
      1,
    ),
    queue_size: int(
      500,
      { description: 'Deliveries waiting at most; the oldest are dropped beyond it.' },
      10,
    ),
  },
  'Where alert state changes are sent, besides a log line.',
);

const prometheusSection = section(
  {
    url: optionalStr({
      description:
        'Prometheus remote-write URL (e.g. http://prometheus:9090/api/v1/write). Unset: no export.',
      secret: true,
    }),
    username: optionalStr({ description: 'Basic-auth user for remote write.' }),
    password: optionalStr({
      description: 'Basic-auth password for remote write.',
      secret: true,
      envOnly: true,
    }),
    bearer_token: optionalStr({ description: 'Bearer token for remote write.', secret: true, envOnly: true }),
  },
  'Also send every sample to Prometheus (remote write 1.0: protobuf + snappy).',
);

const otlpSection = section(
  {
    url: optionalStr({
      description:
        'OTLP/HTTP metrics endpoint (e.g. http://otel-collector:4318/v1/metrics). Unset: no export.',
      secret: true,
    }),
    authorization: optionalStr({
      description: 'Authorization header for the OTLP endpoint, e.g. "Bearer <token>" or "Basic <base64>".',
      secret: true,
      envOnly: true,
    }),
  },
  'Also send every sample as OpenTelemetry metrics (OTLP/HTTP, JSON encoding).',
);

const exportSection = section(
  {
    prometheus: prometheusSection,
    otlp: otlpSection,
    interval: duration('30s', { description: 'How often buffered samples are sent.' }),
    max_buffer: int(
      100_000,
      { description: 'Samples held for export at most; the oldest are dropped beyond it.' },
      1000,
    ),
    attempts: int(
      5,
      { description: 'Attempts per batch (exponential backoff) before it is dropped.' },
      1,
      20,
    ),
    timeout: duration('10s', { description: 'How long one export request may take.' }),
  },
  'Exporting the collected samples to a time-series engine you already run (queries stay local).',
);

export const watchConfig = section(
  {
    enabled: bool(true, {
      description: 'Collect metrics history, evaluate alert rules and serve the watch tools.',
    }),
    interval: duration('15s', { description: 'How often host, process and container metrics are sampled.' }),
    units_interval: duration('30s', { description: 'How often systemd unit states are read.' }),
    tailscale_interval: duration('1m', {
      description: 'How often tailnet peers are read (tailscale module on).',
    }),
    fleet_interval: duration('2m', {
      description: 'How often fleet hosts are probed over SSH (ssh module on).',
    }),
    updates_interval: duration('6h', { description: 'How often pending package updates are read.' }),
    tls_interval: duration('6h', {
      description: 'How often the certificates of tls_expiry endpoints are checked.',
    }),
    top_processes: int(
      10,
      { description: 'Process groups (name + user) kept per sample, by CPU and by memory.' },
      1,
      100,
    ),
    retention: retentionSection,
    max_size: bytes('512MiB', {
      description: 'Hard cap on the history database; past it the oldest data is dropped.',
    }),
    max_series: int(
      5000,
      { description: 'Series kept at most (containers come and go); new ones beyond it are not recorded.' },
      100,
    ),
    max_points: int(2000, { description: 'Points one history query returns at most.' }, 100, 100_000),
    default_rules: bool(true, {
      description: 'Include the built-in alert rules (a rule of the same name replaces one).',
    }),
    rules: z
      .array(ruleSchema)
      .max(200)
      .superRefine((rules, ctx) => {
        const seen = new Set<string>();
        rules.forEach((rule, index) => {
          if (seen.has(rule.name))
            ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${rule.name}" is used twice` });
          seen.add(rule.name);
        });
      })
      .meta({
        description:
          'Alert rules (see docs/watch.md): name, kind (threshold, disk_forecast, unit_failed, unit_restart_loop, container_unhealthy, container_restart_loop, container_exited, oom_kill, security_updates, tls_expiry, tailscale_offline, tailscale_key_expiry, fleet_unreachable) and its fields.',
        format: 'json',
      })
      .default([]),
    max_rules: int(200, { description: 'Rules (config and tool-made together) allowed at most.' }, 1, 2000),
    alert_history: duration('90d', { description: 'How long resolved alerts and deliveries are kept.' }),
    notify: notifySection,
    remediation: remediationConfig,
    export: exportSection,
    reports_keep: duration('7d', { description: 'How long generated reports stay readable as resources.' }),
    report_max_bytes: bytes('4MiB', {
      description: 'Largest report generated; bigger ones are cut with a note.',
    }),
  },
  'Metrics history, alert rules, notifications, exporters and reports (docs/watch.md).',
);

export type WatchConfig = z.output<typeof watchConfig>;

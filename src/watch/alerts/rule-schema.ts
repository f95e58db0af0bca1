import { z } from 'zod';
import { parseDuration } from '../../config/fields.ts';
import { SERIES_NAMES } from '../series.ts';

/** A duration in a rule (or a remediation): "5m", "7d", or milliseconds; kept in milliseconds. */
export const span = (fallback: string, description: string, min = 0) =>
  z
    .union([z.number().int().nonnegative(), z.string().max(20)])
    .transform((value, ctx) => {
      try {
        const ms = parseDuration(value);
        if (ms < min) {
          ctx.addIssue({ code: 'custom', message: `must be at least ${min / 1000}s` });
          return z.NEVER;
        }
        return ms;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe(description)
    .prefault(fallback);

const glob = (description: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 32), 'must not contain control characters')
    .default('*')
    .describe(`${description} (\`*\` matches anything)`);

export const RULE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const base = {
  name: z
    .string()
    .regex(RULE_NAME, 'must be lowercase letters, digits, - and _ (e.g. disk-full), at most 63')
    .describe('Unique rule name'),
  severity: z
    .enum(['info', 'warning', 'critical'])
    .default('warning')
    .describe('How bad it is when it fires'),
  enabled: z.boolean().default(true),
  description: z.string().max(500).optional().describe('What it means and what to do (sent with the alert)'),
};

const threshold = z.strictObject({
  ...base,
  kind: z.literal('threshold'),
  series: z.enum(SERIES_NAMES).describe('The series to watch, e.g. host.cpu.percent'),
  match: z
    .record(z.string().max(40), z.string().max(200))
    .refine((m) => Object.keys(m).length <= 5, 'at most 5 labels')
    .optional()
    .describe('Label globs the series must match, e.g. { mount: "/" }'),
  above: z.number().optional().describe('Fires when the value stays above this'),
  below: z.number().optional().describe('Fires when the value stays below this'),
  clear: z
    .number()
    .optional()
    .describe(
      'Resolves only once the value is back past this (hysteresis); default 5 % of the threshold back',
    ),
  for: span('5m', 'How long the condition must hold before it fires'),
});

const diskForecast = z.strictObject({
  ...base,
  kind: z.literal('disk_forecast'),
  within: span('7d', 'Fires when a file system will be full within this at the current trend', 3_600_000),
  lookback: span('24h', 'The trend is fitted over this much history', 3_600_000),
  mounts: glob('Mount points to watch'),
});

const unitFailed = z.strictObject({ ...base, kind: z.literal('unit_failed'), units: glob('Units to watch') });
const unitRestartLoop = z.strictObject({
  ...base,
  kind: z.literal('unit_restart_loop'),
  units: glob('Units to watch'),
  restarts: z.number().int().min(1).max(1000).default(3).describe('Automatic restarts within the window'),
  window: span('15m', 'The window the restarts are counted in', 60_000),
});
const containerUnhealthy = z.strictObject({
  ...base,
  kind: z.literal('container_unhealthy'),
  containers: glob('Container names to watch'),
  for: span('1m', 'How long it must stay unhealthy'),
});
const containerRestartLoop = z.strictObject({
  ...base,
  kind: z.literal('container_restart_loop'),
  containers: glob('Container names to watch'),
  restarts: z.number().int().min(1).max(1000).default(3).describe('Deaths within the window'),
  window: span('15m', 'The window they are counted in', 60_000),
});
const containerExited = z.strictObject({
  ...base,
  kind: z.literal('container_exited'),
  containers: glob('Container names to watch'),
});
const oomKill = z.strictObject({
  ...base,
  kind: z.literal('oom_kill'),
  containers: glob('Container names (host kills are always counted)'),
  window: span('30m', 'Stays firing this long after the last kill', 60_000),
});
const securityUpdates = z.strictObject({
  ...base,
  kind: z.literal('security_updates'),
  older_than: span('7d', 'Fires for security updates pending longer than this'),
});
const tlsExpiry = z.strictObject({
  ...base,
  kind: z.literal('tls_expiry'),
  endpoints: z
    .array(
      z
        .string()
        .min(1)
        .max(260)
        .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be host, host:port or [v6]:port'),
    )
    .min(1)
    .max(50)
    .describe('Endpoints whose certificates to check, e.g. nas.example.ts.net:443'),
  days: z
    .number()
    .min(0)
    .max(3650)
    .default(14)
    .describe('Fires when a certificate expires within this many days'),
});
const tailscaleOffline = z.strictObject({
  ...base,
  kind: z.literal('tailscale_offline'),
  devices: glob('Peer names to watch'),
  for: span('30m', 'How long it must stay offline', 60_000),
});
const tailscaleKeyExpiry = z.strictObject({
  ...base,
  kind: z.literal('tailscale_key_expiry'),
  devices: glob('Peer names to watch'),
  days: z
    .number()
    .min(0)
    .max(3650)
    .default(14)
    .describe('Fires when a node key expires within this many days'),
});
const fleetUnreachable = z.strictObject({
  ...base,
  kind: z.literal('fleet_unreachable'),
  hosts: glob('Fleet host names to watch'),
  for: span('5m', 'How long it must stay unreachable'),
});

const KIND_SCHEMAS = [
  threshold,
  diskForecast,
  unitFailed,
  unitRestartLoop,
  containerUnhealthy,
  containerRestartLoop,
  containerExited,
  oomKill,
  securityUpdates,
  tlsExpiry,
  tailscaleOffline,
  tailscaleKeyExpiry,
  fleetUnreachable,
] as const;

export const ruleSchema = z.discriminatedUnion('kind', KIND_SCHEMAS).superRefine((rule, ctx) => {
  if (rule.kind !== 'threshold') return;
  if ((rule.above === undefined) === (rule.below === undefined))
    ctx.addIssue({ code: 'custom', path: ['above'], message: 'give exactly one of above or below' });
  if (rule.clear !== undefined && rule.above !== undefined && rule.clear > rule.above)
    ctx.addIssue({ code: 'custom', path: ['clear'], message: 'clear must not be above the threshold' });
  if (rule.clear !== undefined && rule.below !== undefined && rule.clear < rule.below)
    ctx.addIssue({ code: 'custom', path: ['clear'], message: 'clear must not be below the threshold' });
});

export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type RuleKind = Rule['kind'];
export const RULE_KINDS = KIND_SCHEMAS.map((schema) => schema.shape.kind.value) as RuleKind[];

/** The rules that ship enabled (a config rule of the same name replaces one). */
export const DEFAULT_RULES: RuleInput[] = [
  { name: 'cpu-high', kind: 'threshold', series: 'host.cpu.percent', above: 90, clear: 75, for: '10m' },
  {
    name: 'memory-high',
    kind: 'threshold',
    series: 'host.memory.used_percent',
    above: 90,
    clear: 80,
    for: '5m',
  },
  {
    name: 'memory-pressure',
    kind: 'threshold',
    series: 'host.psi.memory.some',
    above: 20,
    clear: 5,
    for: '5m',
  },
  {
    name: 'disk-full',
    kind: 'threshold',
    series: 'host.disk.used_percent',
    above: 90,
    clear: 85,
    for: '5m',
    severity: 'critical',
  },
  {
    name: 'inodes-full',
    kind: 'threshold',
    series: 'host.disk.inodes_used_percent',
    above: 90,
    clear: 85,
    for: '5m',
  },
  { name: 'disk-filling', kind: 'disk_forecast', within: '3d', lookback: '24h' },
  { name: 'unit-failed', kind: 'unit_failed' },
  { name: 'unit-restart-loop', kind: 'unit_restart_loop', restarts: 3, window: '15m' },
  { name: 'container-unhealthy', kind: 'container_unhealthy', for: '2m' },
  { name: 'container-restart-loop', kind: 'container_restart_loop', restarts: 3, window: '15m' },
  { name: 'container-exited', kind: 'container_exited' },
  { name: 'oom-kill', kind: 'oom_kill', window: '30m' },
  { name: 'security-updates', kind: 'security_updates', older_than: '7d' },
  { name: 'tailscale-key-expiry', kind: 'tailscale_key_expiry', days: 14 },
  { name: 'fleet-unreachable', kind: 'fleet_unreachable', for: '5m', severity: 'critical' },
];

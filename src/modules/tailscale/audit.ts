import { z } from 'zod';
import { isGatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { tailscaleTool } from './context.ts';
import { listDevices } from './device-api.ts';
import { type Device, pendingRoutes } from './device-model.ts';
import { type AuthKey, listKeys } from './keys.ts';

const SERVER_OS = new Set(['linux', 'freebsd', 'openbsd', 'illumos', 'solaris']);

const finding = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  count: z.number().int(),
  advice: z.string(),
  items: z.array(z.object({ id: z.string(), name: z.string(), detail: z.string() })),
});
export type Finding = z.infer<typeof finding>;

export const auditOutput = z.object({
  generated_at: z.string(),
  device_count: z.number().int(),
  summary: z.record(z.string(), z.number().int()).describe('Finding id → count'),
  findings: z.array(finding),
  skipped: z.array(z.string()).describe('Checks that could not run, and why'),
});

interface Thresholds {
  staleDays: number;
  keyWarnDays: number;
}

function check(
  id: string,
  title: string,
  severity: Finding['severity'],
  advice: string,
  devices: readonly Device[],
  match: (d: Device) => string | undefined,
): Finding {
  const items = devices.flatMap((d) => {
    const detail = match(d);
    return detail === undefined ? [] : [{ id: d.id, name: d.name, detail }];
  });
  return { id, title, severity, count: items.length, advice, items };
}

/** The whole report from data already fetched; pure, so the 1,000-device test and benchmark run it directly. */
export function auditTailnet(
  devices: readonly Device[],
  keys: readonly AuthKey[] | undefined,
  { staleDays, keyWarnDays }: Thresholds,
  now = Date.now(),
): Omit<z.infer<typeof auditOutput>, 'skipped'> {
  const findings: Finding[] = [
    check(
      'stale_devices',
      `Devices not seen for ${staleDays}+ days`,
      'warning',
      'Remove devices that are gone (tailscale_device_delete) or find out why they are offline.',
      devices,
      (d) =>
        !d.online && d.days_since_seen !== null && d.days_since_seen >= staleDays
          ? `last seen ${d.days_since_seen} days ago`
          : undefined,
    ),
    check(
      'outdated_clients',
      'Devices with a Tailscale update available',
      'warning',
      'Update Tailscale on them, or turn on auto-updates.',
      devices,
      (d) => (d.update_available ? `runs ${d.client_version || 'an old version'}` : undefined),
    ),
    check(
      'device_keys_expiring',
      `Node keys expired or expiring within ${keyWarnDays} days`,
      'critical',
      'Re-authenticate them before the key expires, or disable key expiry for servers.',
      devices,
      (d) =>
        d.days_until_key_expiry !== null && d.days_until_key_expiry <= keyWarnDays
          ? d.days_until_key_expiry < 0
            ? `expired ${-d.days_until_key_expiry} days ago`
            : `expires in ${d.days_until_key_expiry} days`
          : undefined,
    ),
    check(
      'key_expiry_disabled',
      'Devices whose key never expires',
      'info',
      'Fine for tagged servers; for personal devices, turn key expiry back on.',
      devices,
      (d) =>
        d.key_expiry_disabled
          ? d.tags.length
            ? `tagged ${d.tags.join(',')}`
            : `owned by ${d.user}`
          : undefined,
    ),
    check(
      'untagged_servers',
      'Servers without tags (owned by a person)',
      'warning',
      'Tag servers (tailscale_device_tags_set) so access follows the policy, not the person who added them.',
      devices,
      (d) =>
        SERVER_OS.has(d.os.toLowerCase()) && d.tags.length === 0 && !d.external
          ? `${d.os}, owned by ${d.user}`
          : undefined,
    ),
    check(
      'external_devices',
      'Devices shared in from other tailnets',
      'info',
      'Check that each share is still wanted.',
      devices,
      (d) => (d.external ? `owned by ${d.user}` : undefined),
    ),
    check(
      'unapproved_routes',
      'Advertised routes waiting for approval',
      'warning',
      'Approve the wanted ones (tailscale_routes_enable) or stop advertising them.',
      devices,
      (d) => {
        const pending = pendingRoutes(d);
        return pending.length ? pending.join(', ') : undefined;
      },
    ),
    check(
      'unauthorized_devices',
      'Devices waiting for device approval',
      'warning',
      'Authorize the ones you recognise (tailscale_device_authorize); delete the others.',
      devices,
      (d) => (d.authorized ? undefined : `${d.os}, owned by ${d.user}`),
    ),
  ];
  if (keys) {
    const items = keys
      .filter((k) => k.days_until_expiry !== null && k.days_until_expiry <= keyWarnDays)
      .map((k) => ({
        id: k.id,
        name: k.description || k.id,
        detail: `expires in ${k.days_until_expiry} days`,
      }));
    findings.push({
      id: 'auth_keys_expiring',
      title: `Auth keys expiring within ${keyWarnDays} days`,
      severity: 'info',
      count: items.length,
      advice: 'Replace keys that automation still needs (tailscale_key_create).',
      items,
    });
  }
  return {
    generated_at: new Date(now).toISOString(),
    device_count: devices.length,
    summary: Object.fromEntries(findings.map((f) => [f.id, f.count])),
    findings,
  };
}

export const tailnetAudit = tailscaleTool({
  name: 'tailscale_audit',
  title: 'Tailscale: Audit the tailnet',
  description:
    'One report of what needs attention: stale devices, outdated clients, node keys expiring soon, key expiry disabled, untagged servers, external devices, unapproved routes, devices awaiting approval, auth keys expiring — with counts and the devices in each finding.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    stale_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Default: modules.tailscale.stale_days'),
    key_expiry_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Default: modules.tailscale.key_expiry_warn_days'),
    format: formatArg,
  }),
  output: auditOutput,
  handler: async ({ stale_days, key_expiry_days }, ctx) => {
    const { config } = ctx.tailscale;
    const skipped: string[] = [];
    const [devices, keys] = await Promise.all([
      listDevices(ctx),
      listKeys(ctx).catch((error: unknown) => {
        // A device-only OAuth client may not read keys: report the rest and say what was skipped.
        if (!isGatewayError(error) || error.code === 'ERR_TIMEOUT') throw error;
        skipped.push(`auth keys: ${error.message}`);
        return undefined;
      }),
    ]);
    const report = auditTailnet(devices, keys, {
      staleDays: stale_days ?? config.stale_days,
      keyWarnDays: key_expiry_days ?? config.key_expiry_warn_days,
    });
    return { ...report, skipped };
  },
});

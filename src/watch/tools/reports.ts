import { z } from 'zod';
import type { Principal } from '../../auth/principal.ts';
import { GatewayError } from '../../errors.ts';
import type { ResourceLink } from '../../mcp/tool.ts';
import { identityOf } from '../../modules/system/inventory.ts';
import type { Permission } from '../../policy/permissions.ts';
import { readableAreas, watchTool } from '../context.ts';
import {
  type BuiltReport,
  buildDevicesReport,
  buildHealthReport,
  buildInventoryReport,
  capped,
} from '../reports/build.ts';
import { collectDevices } from '../reports/devices.ts';
import type { WatchRuntime } from '../runtime.ts';

export const REPORT_URI = 'tailwarden://reports/';

const reportOutput = z.object({
  report_id: z.string(),
  uri: z.string().describe('Open it with resources/read'),
  title: z.string(),
  mime_type: z.string(),
  bytes: z.number().int(),
  expires_at: z.string(),
});

function save(
  watch: WatchRuntime,
  principal: Principal,
  kind: string,
  format: string,
  permission: Permission,
  built: BuiltReport,
) {
  const now = watch.clock.now();
  const saved = watch.reports.save({
    kind,
    format,
    mimeType: built.mimeType,
    title: built.title,
    permission,
    createdAt: now,
    createdBy: principal.id,
    content: capped(built.content, watch.reports.maxBytes),
  });
  return {
    report_id: saved.id,
    uri: `${REPORT_URI}${saved.id}`,
    title: saved.title,
    mime_type: saved.mimeType,
    bytes: saved.bytes,
    expires_at: new Date(now + watch.config.reports_keep).toISOString(),
  };
}

const links = (out: z.output<typeof reportOutput>): ResourceLink[] => [
  { type: 'resource_link', uri: out.uri, name: out.report_id, title: out.title, mimeType: out.mime_type },
];

export const watchReportHealth = watchTool({
  name: 'watch_report_health',
  title: 'Watch: Health report',
  description:
    'A host (and fleet) health report for the last 24 hours or 7 days: availability, peaks, top consumers, alerts, changes from the audit log, pending updates — as Markdown or as a self-contained HTML page with charts. Returns a resource link to open it.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    period: z.enum(['24h', '7d']).default('24h').describe('The last 24 hours or the last 7 days'),
    format: z
      .enum(['markdown', 'html'])
      .default('markdown')
      .describe('Markdown, or a self-contained HTML page with charts'),
  }),
  output: reportOutput,
  links,
  handler: async ({ period, format }, { watch, principal }) => {
    const now = watch.clock.now();
    const built = await buildHealthReport(
      {
        store: watch.store,
        alerts: watch.alerts,
        retention: watch.retention,
        intervalMs: watch.config.interval,
        auditPath: watch.auditPath,
        fromMs: now - (period === '24h' ? 86_400_000 : 7 * 86_400_000),
        toMs: now,
        nowMs: now,
        areas: readableAreas(principal),
        audit: principal.permissions.has('audit:read'),
      },
      format,
    );
    return save(watch, principal, 'health', format, 'system:read', built);
  },
});

export const watchReportInventory = watchTool({
  name: 'watch_report_inventory',
  title: 'Watch: Inventory export',
  description:
    'What runs on this host (from the last inventory_scan, with notes) as CSV or JSON. Returns a resource link.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    format: z.enum(['csv', 'json']).default('csv').describe('CSV (one row per item) or JSON'),
  }),
  output: reportOutput,
  links,
  handler: async ({ format }, { watch, principal }) => {
    const system = watch.peers.system;
    if (!system)
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'The system module is off, so there is no inventory.',
      );
    const built = buildInventoryReport(await identityOf({ system }), system.inventory.list(), format);
    return save(watch, principal, 'inventory', format, 'system:read', built);
  },
});

export const watchReportDevices = watchTool({
  name: 'watch_report_devices',
  title: 'Watch: Tailnet devices export',
  description:
    'Every tailnet device (from the admin API; without its credentials, the peers this node sees) as CSV or JSON. Returns a resource link.',
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({
    format: z.enum(['csv', 'json']).default('csv').describe('CSV (one row per item) or JSON'),
  }),
  output: reportOutput,
  links,
  handler: async ({ format }, { watch, principal, signal }) => {
    const tailscale = watch.peers.tailscale;
    if (!tailscale) throw new GatewayError('ERR_UPSTREAM_UNAVAILABLE', 'The tailscale module is off.');
    const { source, devices } = await collectDevices(tailscale, signal, watch.clock.now());
    const built = buildDevicesReport(devices, source, format);
    return save(watch, principal, 'devices', format, 'tailscale:read', built);
  },
});

export const reportTools = [watchReportHealth, watchReportInventory, watchReportDevices];

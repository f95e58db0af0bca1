import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { auditPath } from '../audit/path.ts';
import { createLogger } from '../log.ts';
import { InventoryStore } from '../modules/system/inventory-store.ts';
import { createAdminClient } from '../modules/tailscale/admin/factory.ts';
import { StateDb } from '../state/db.ts';
import { LocalApiClient } from '../tailscale/localapi.ts';
import { parseRange } from '../util/when.ts';
import { AlertStore } from '../watch/alerts/store.ts';
import {
  type BuiltReport,
  buildDevicesReport,
  buildHealthReport,
  buildInventoryReport,
  capped,
} from '../watch/reports/build.ts';
import { collectDevices } from '../watch/reports/devices.ts';
import { retentionOf } from '../watch/runtime.ts';
import { AREA_PERMISSION, type Area } from '../watch/series.ts';
import { HistoryStore } from '../watch/store.ts';
import { type CommonOptions, loadFor, withCommonOptions } from './common.ts';

interface OutOptions extends CommonOptions {
  format: string;
  out?: string;
}

function emit(report: BuiltReport, options: OutOptions, maxBytes: number): void {
  const content = capped(report.content, maxBytes);
  if (options.out) {
    writeFileSync(options.out, content, { mode: 0o640 });
    process.stderr.write(`wrote ${report.title} to ${options.out}\n`);
  } else process.stdout.write(content);
}

function choice(value: string, allowed: readonly string[], flag: string): string {
  if (!allowed.includes(value))
    throw new Error(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value;
}

/** `tailwarden report …`: the same reports as the watch_report_* tools, for cron and the shell. */
export function reportCommand(): Command {
  const report = new Command('report').description('health report, inventory and tailnet device exports');

  withCommonOptions(report.command('health'))
    .description('host and fleet health over a period (Markdown or self-contained HTML)')
    .option('--from <when>', 'start, e.g. "24h", "7d", "yesterday 00:00"', '24h')
    .option('--to <when>', 'end (default now)')
    .option('--format <format>', 'markdown or html', 'markdown')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action(async (options: OutOptions & { from: string; to?: string }) => {
      const format = choice(options.format, ['markdown', 'html'], '--format') as 'markdown' | 'html';
      const { config } = loadFor(options);
      const now = Date.now();
      const { from, to } = parseRange(
        { from: options.from, to: options.to },
        { now: new Date(now), defaultFrom: '24h' },
      );
      const store = new HistoryStore(
        config.state_dir,
        { maxSeries: config.watch.max_series, maxBufferedSamples: 1 },
        createLogger({ level: 'silent' }),
      );
      try {
        const built = await buildHealthReport(
          {
            store,
            alerts: new AlertStore(store.db),
            retention: retentionOf(config.watch),
            intervalMs: config.watch.interval,
            auditPath: auditPath(config),
            fromMs: from.getTime(),
            toMs: to.getTime(),
            nowMs: now,
            areas: Object.keys(AREA_PERMISSION) as Area[],
            audit: true,
          },
          format,
        );
        emit(built, options, config.watch.report_max_bytes);
      } finally {
        store.db.close();
      }
    });

  withCommonOptions(report.command('inventory'))
    .description('what runs on this host, from the last inventory_scan (CSV or JSON)')
    .option('--format <format>', 'csv or json', 'csv')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action((options: OutOptions) => {
      const format = choice(options.format, ['csv', 'json'], '--format') as 'csv' | 'json';
      const { config } = loadFor(options);
      const db = new StateDb(config.state_dir);
      try {
        const inventory = new InventoryStore(db);
        const identity = {
          hostname: hostname(),
          display_name: inventory.identityValue('display_name') ?? hostname(),
        };
        emit(
          buildInventoryReport(identity, inventory.list(), format),
          options,
          config.watch.report_max_bytes,
        );
      } finally {
        db.close();
      }
    });

  withCommonOptions(report.command('devices'))
    .description("every tailnet device (admin API, else this node's peers) as CSV or JSON")
    .option('--format <format>', 'csv or json', 'csv')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action(async (options: OutOptions) => {
      const format = choice(options.format, ['csv', 'json'], '--format') as 'csv' | 'json';
      const { config } = loadFor(options);
      const settings = config.modules.tailscale;
      const clients = {
        admin: createAdminClient(settings),
        local: new LocalApiClient({ socketPath: settings.socket, timeoutMs: settings.localapi_timeout }),
      };
      const { source, devices } = await collectDevices(clients, AbortSignal.timeout(60_000), Date.now());
      emit(buildDevicesReport(devices, source, format), options, config.watch.report_max_bytes);
    });

  return report;
}

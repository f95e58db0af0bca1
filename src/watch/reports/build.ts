import { formatDuration } from '../../config/fields.ts';
import type { InventoryItem } from '../../modules/system/inventory-store.ts';
import type { Device } from '../../modules/tailscale/device-model.ts';
import { toCsv } from './escape.ts';
import { type HealthReportInput, healthReportData } from './health.ts';
import { renderHtml, renderMarkdown } from './render.ts';

export interface BuiltReport {
  title: string;
  mimeType: string;
  extension: string;
  content: string;
}

export const MIME = {
  markdown: { mimeType: 'text/markdown', extension: 'md' },
  html: { mimeType: 'text/html', extension: 'html' },
  csv: { mimeType: 'text/csv', extension: 'csv' },
  json: { mimeType: 'application/json', extension: 'json' },
} as const;

/** Cut a report that outgrew the cap, saying so (a cut in the middle of a multibyte character is dropped). */
export function capped(content: string, maxBytes: number): string {
  if (Buffer.byteLength(content) <= maxBytes) return content;
  const note = `\n\n[report cut at ${maxBytes} bytes (watch.report_max_bytes)]\n`;
  return (
    Buffer.from(content)
      .subarray(0, maxBytes - note.length)
      .toString('utf8')
      .replace(/\uFFFD$/, '') + note
  );
}

export async function buildHealthReport(
  input: HealthReportInput,
  format: 'markdown' | 'html',
): Promise<BuiltReport> {
  const data = await healthReportData(input);
  const span = formatDuration(Math.round((input.toMs - input.fromMs) / 60_000) * 60_000);
  const title = `${data.title} (${span})`;
  data.title = title;
  return { title, ...MIME[format], content: format === 'html' ? renderHtml(data) : renderMarkdown(data) };
}

const INVENTORY_COLUMNS = [
  'kind',
  'name',
  'app',
  'detected_app',
  'present',
  'hidden',
  'note',
  'first_seen',
  'last_seen',
  'detail',
];

export function buildInventoryReport(
  identity: Record<string, unknown>,
  items: InventoryItem[],
  format: 'csv' | 'json',
): BuiltReport {
  const title = `Inventory of ${String(identity.display_name ?? identity.hostname ?? 'this host')}`;
  if (format === 'json')
    return { title, ...MIME.json, content: `${JSON.stringify({ identity, items }, null, 2)}\n` };
  const rows = items.map((i) => ({ ...i, detail: JSON.stringify(i.detail) }));
  return { title, ...MIME.csv, content: toCsv(INVENTORY_COLUMNS, rows) };
}

const DEVICE_COLUMNS = [
  'id',
  'name',
  'hostname',
  'os',
  'user',
  'tags',
  'addresses',
  'online',
  'last_seen',
  'client_version',
  'update_available',
  'key_expires',
  'authorized',
  'exit_node',
  'advertised_routes',
  'enabled_routes',
];

export function buildDevicesReport(
  devices: Partial<Device>[],
  source: string,
  format: 'csv' | 'json',
): BuiltReport {
  const title = `Tailnet devices (${source})`;
  if (format === 'json')
    return { title, ...MIME.json, content: `${JSON.stringify({ source, devices }, null, 2)}\n` };
  return { title, ...MIME.csv, content: toCsv(DEVICE_COLUMNS, devices as Record<string, unknown>[]) };
}

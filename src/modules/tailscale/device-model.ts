import { z } from 'zod';
import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';

const DAY_MS = 86_400_000;
const EXIT_ROUTES = new Set(['0.0.0.0/0', '::/0']);

/** A device as the tools show it: the admin API's fields, renamed to snake_case and flattened. */
export const deviceSchema = z.object({
  id: z.string().describe('nodeId: the stable id to pass to other tools'),
  name: z.string().describe('Short MagicDNS name'),
  fqdn: z.string(),
  hostname: z.string(),
  addresses: z.array(z.string()),
  os: z.string(),
  user: z.string(),
  tags: z.array(z.string()),
  online: z.boolean().describe('Connected to the control server now'),
  last_seen: z.string().nullable(),
  days_since_seen: z.number().nullable(),
  client_version: z.string(),
  update_available: z.boolean(),
  authorized: z.boolean(),
  external: z.boolean().describe('Shared in from another tailnet'),
  key_expiry_disabled: z.boolean(),
  key_expires: z.string().nullable(),
  days_until_key_expiry: z.number().nullable(),
  advertised_routes: z.array(z.string()),
  enabled_routes: z.array(z.string()),
  exit_node: z.boolean().describe('Advertises 0.0.0.0/0 or ::/0'),
  created: z.string().nullable(),
});

export type Device = z.infer<typeof deviceSchema>;
export const DEVICE_FIELDS = Object.keys(deviceSchema.shape) as [keyof Device, ...(keyof Device)[]];
export const DEFAULT_LIST_FIELDS: (keyof Device)[] = [
  'id',
  'name',
  'os',
  'user',
  'tags',
  'online',
  'days_since_seen',
  'addresses',
];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A timestamp as ISO text and epoch ms. Zero dates ("0001-01-01…") and
 * unparsable ones mean "none". ISO UTC text (what the API sends) is kept as is:
 * re-formatting every date of a 1,000-device list costs more than the rest.
 */
function timestamp(value: string): { iso: string; ms: number } | null {
  if (!value) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms <= 0) return null;
  return { iso: ISO_UTC.test(value) ? value : new Date(ms).toISOString(), ms };
}

/** Normalise one device of the admin API, defensively (missing fields get empty values). */
export function normalizeDevice(raw: unknown, now: number): Device {
  const d = asRecord(raw);
  const fqdn = pickString(d, 'name').replace(/\.$/, '');
  const lastSeen = timestamp(pickString(d, 'lastSeen'));
  const keyExpiryDisabled = d.keyExpiryDisabled === true;
  const expires = keyExpiryDisabled ? null : timestamp(pickString(d, 'expires'));
  const advertised = pickStrings(d, 'advertisedRoutes');
  return {
    id: pickString(d, 'nodeId') || pickString(d, 'id'),
    name: fqdn.split('.')[0] ?? fqdn,
    fqdn,
    hostname: pickString(d, 'hostname'),
    addresses: pickStrings(d, 'addresses'),
    os: pickString(d, 'os'),
    user: pickString(d, 'user'),
    tags: pickStrings(d, 'tags'),
    online: d.connectedToControl === true,
    last_seen: lastSeen?.iso ?? null,
    // Whole days elapsed (a device seen 83.5 days ago is 83 days stale, not 84).
    days_since_seen: lastSeen ? Math.max(0, Math.floor((now - lastSeen.ms) / DAY_MS)) : null,
    client_version: pickString(d, 'clientVersion'),
    update_available: d.updateAvailable === true,
    authorized: d.authorized !== false,
    external: d.isExternal === true,
    key_expiry_disabled: keyExpiryDisabled,
    key_expires: expires?.iso ?? null,
    days_until_key_expiry: expires ? Math.floor((expires.ms - now) / DAY_MS) : null,
    advertised_routes: advertised,
    enabled_routes: pickStrings(d, 'enabledRoutes'),
    exit_node: advertised.some((r) => EXIT_ROUTES.has(r)),
    created: timestamp(pickString(d, 'created'))?.iso ?? null,
  };
}

export const deviceFilterSchema = z.object({
  online: z.boolean().optional().describe('Only devices connected (true) or not connected (false) now'),
  os: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe('Operating system, e.g. linux, windows, macOS, iOS, android'),
  tag: z
    .string()
    .regex(/^tag:[\w-]+$/)
    .optional()
    .describe('Only devices with this tag, e.g. tag:server'),
  user: z.string().min(1).max(200).optional().describe('Owner login name, e.g. alice@example.com'),
  name: z.string().min(1).max(100).optional().describe('Part of the device name or hostname'),
  not_seen_days: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .optional()
    .describe('Not seen for at least this many days'),
  update_available: z
    .boolean()
    .optional()
    .describe('Only devices with a newer Tailscale version available (true) or up to date (false)'),
  key_expiring_days: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .optional()
    .describe('Node key expires within this many days'),
  key_expiry_disabled: z
    .boolean()
    .optional()
    .describe('Only devices whose key expiry is disabled (true) or enabled (false)'),
  advertises_routes: z
    .boolean()
    .optional()
    .describe('Advertises subnet routes (not counting exit-node routes)'),
  routes_pending: z.boolean().optional().describe('Advertises routes that are not enabled yet'),
  exit_node: z.boolean().optional().describe('Advertises itself as an exit node'),
  external: z
    .boolean()
    .optional()
    .describe('Only devices shared in from another tailnet (true) or owned here (false)'),
  authorized: z.boolean().optional().describe('Only authorized (true) or unauthorized (false) devices'),
});

export type DeviceFilter = z.infer<typeof deviceFilterSchema>;

function same(a: string, b: string) {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

export function pendingRoutes(device: Device): string[] {
  return device.advertised_routes.filter((r) => !device.enabled_routes.includes(r));
}

export function matchesFilter(device: Device, f: DeviceFilter): boolean {
  if (f.online !== undefined && device.online !== f.online) return false;
  if (f.os !== undefined && !same(device.os, f.os)) return false;
  if (f.tag !== undefined && !device.tags.includes(f.tag)) return false;
  if (f.user !== undefined && !same(device.user, f.user)) return false;
  if (f.name !== undefined) {
    const needle = f.name.toLowerCase();
    if (!device.name.toLowerCase().includes(needle) && !device.hostname.toLowerCase().includes(needle))
      return false;
  }
  if (f.not_seen_days !== undefined) {
    // A device online now has been seen now, whatever its last_seen says.
    if (device.online || device.days_since_seen === null || device.days_since_seen < f.not_seen_days)
      return false;
  }
  if (f.update_available !== undefined && device.update_available !== f.update_available) return false;
  if (f.key_expiring_days !== undefined) {
    const left = device.days_until_key_expiry;
    if (left === null || left > f.key_expiring_days) return false;
  }
  if (f.key_expiry_disabled !== undefined && device.key_expiry_disabled !== f.key_expiry_disabled)
    return false;
  if (f.advertises_routes !== undefined) {
    const subnets = device.advertised_routes.some((r) => !EXIT_ROUTES.has(r));
    if (subnets !== f.advertises_routes) return false;
  }
  if (f.routes_pending !== undefined && pendingRoutes(device).length > 0 !== f.routes_pending) return false;
  if (f.exit_node !== undefined && device.exit_node !== f.exit_node) return false;
  if (f.external !== undefined && device.external !== f.external) return false;
  if (f.authorized !== undefined && device.authorized !== f.authorized) return false;
  return true;
}

export function selectFields(device: Device, fields: readonly (keyof Device)[]): Partial<Device> {
  const out: Partial<Device> = {};
  for (const field of fields) (out as Record<string, unknown>)[field] = device[field];
  return out;
}

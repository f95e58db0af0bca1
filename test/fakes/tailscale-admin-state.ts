import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** State of the fake admin API, loaded from test/fixtures/tailscale/admin; tests may change it freely. */
export interface FakeTailnetState {
  devices: Record<string, unknown>[];
  /** The policy file as HuJSON text. */
  policy: string;
  dns: {
    nameservers: string[];
    magicDNS: boolean;
    searchPaths: string[];
    splitDns: Record<string, string[]>;
  };
  keys: Record<string, unknown>[];
  settings: Record<string, unknown>;
  users: Record<string, unknown>[];
  services: Record<string, unknown>[];
  /** Hosts per Service name, as the API lists them. */
  serviceHosts: Record<string, { stableNodeID: string; approvalLevel: string; configured: string }[]>;
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tailscale', 'admin');
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Replace "@-2d" / "@+8d" / "@-1h" strings with ISO dates relative to `now` (so fixtures never age). */
export function resolveRelativeDates<T>(value: T, now = Date.now()): T {
  if (typeof value === 'string') {
    const match = /^@([+-]\d+)([mhd])$/.exec(value);
    return (match ? new Date(now + Number(match[1]) * UNITS[match[2]!]!).toISOString() : value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRelativeDates(v, now)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRelativeDates(v, now)])) as T;
  }
  return value;
}

export function loadFixtureState(): FakeTailnetState {
  const devices = JSON.parse(readFileSync(join(FIXTURES, 'devices.json'), 'utf8')).devices;
  const tailnet = JSON.parse(readFileSync(join(FIXTURES, 'tailnet.json'), 'utf8'));
  return resolveRelativeDates({
    devices,
    policy: readFileSync(join(FIXTURES, 'policy.hujson'), 'utf8'),
    dns: tailnet.dns,
    keys: tailnet.keys,
    settings: tailnet.settings,
    users: tailnet.users,
    services: tailnet.services,
    serviceHosts: tailnet.serviceHosts,
  });
}

/** HuJSON → JSON value: drop comments and trailing commas (strings are kept intact). */
export function parseHuJson(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

const KNOWN_SECTIONS = new Set([
  'acls',
  'grants',
  'groups',
  'hosts',
  'tagOwners',
  'autoApprovers',
  'ssh',
  'tests',
  'sshTests',
  'nodeAttrs',
  'postures',
  'ipsets',
  'derpMap',
  'disableIPv4',
  'randomizeClientPort',
  'OneCGNATRoute',
]);

/** The checks the fake's validate endpoint makes: parse, known sections, well-formed acls, owned tags. */
export function validatePolicy(text: string): { message: string; data: { errors: string[] }[] } | undefined {
  let policy: Record<string, unknown>;
  try {
    policy = parseHuJson(text) as Record<string, unknown>;
  } catch (error) {
    return { message: `policy file is not valid HuJSON: ${(error as Error).message}`, data: [] };
  }
  const errors: string[] = [];
  if (!policy || typeof policy !== 'object' || Array.isArray(policy))
    return { message: 'policy must be an object', data: [] };
  for (const key of Object.keys(policy))
    if (!KNOWN_SECTIONS.has(key)) errors.push(`unknown section "${key}"`);
  const owners = (policy.tagOwners ?? {}) as Record<string, unknown>;
  const acls = Array.isArray(policy.acls) ? (policy.acls as Record<string, unknown>[]) : [];
  acls.forEach((acl, index) => {
    if (acl.action !== 'accept') errors.push(`acls[${index}]: action must be "accept"`);
    if (!Array.isArray(acl.src) || !Array.isArray(acl.dst))
      errors.push(`acls[${index}]: src and dst must be lists`);
    for (const dst of Array.isArray(acl.dst) ? (acl.dst as string[]) : []) {
      const tag = /^(tag:[^:]+)/.exec(dst)?.[1];
      if (tag && !(tag in owners)) errors.push(`acls[${index}]: tag "${tag}" has no tagOwners entry`);
    }
  });
  return errors.length ? { message: 'policy file has errors', data: [{ errors }] } : undefined;
}

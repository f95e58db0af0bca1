import { isIP } from 'node:net';
import { z } from 'zod';
import { asRecord, pickStrings } from '../../tailscale/localapi.ts';
import type { HttpMethod } from './admin/client.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

const ip = z
  .string()
  .refine((v) => isIP(v) !== 0, 'an IPv4 or IPv6 address')
  .describe('Resolver IP address');
const domain = z
  .string()
  .max(253)
  .regex(/^(?!-)[A-Za-z0-9-]{1,63}(\.(?!-)[A-Za-z0-9-]{1,63})*\.?$/, 'a domain name such as home.arpa')
  .describe('Domain name');

const dnsState = z.object({
  nameservers: z.array(z.string()),
  magic_dns: z.boolean(),
  search_paths: z.array(z.string()),
  split_dns: z.record(z.string(), z.array(z.string())).describe('Domain → resolvers used only for it'),
});

function dnsCall(ctx: Ctx, method: HttpMethod, path: string, body?: unknown) {
  const write = method !== 'GET';
  return ctx.tailscale.admin.json({
    method,
    path: ctx.tailscale.admin.tailnetPath(`/dns/${path}`),
    body,
    // Each write sets a value (or one key of split DNS): repeating it gives the same state.
    idempotent: true,
    action: `${write ? 'change' : 'read'} DNS ${path}`,
    scope: write ? 'dns' : 'dns:read',
    signal: ctx.signal,
  });
}

export async function readDns(ctx: Ctx): Promise<z.infer<typeof dnsState>> {
  const [ns, prefs, search, split] = await Promise.all([
    dnsCall(ctx, 'GET', 'nameservers'),
    dnsCall(ctx, 'GET', 'preferences'),
    dnsCall(ctx, 'GET', 'searchpaths'),
    dnsCall(ctx, 'GET', 'split-dns'),
  ]);
  const splitDns: Record<string, string[]> = {};
  for (const [name, servers] of Object.entries(asRecord(split.value))) {
    splitDns[name] = Array.isArray(servers) ? servers.filter((s): s is string => typeof s === 'string') : [];
  }
  return {
    nameservers: pickStrings(asRecord(ns.value), 'dns'),
    magic_dns: asRecord(prefs.value).magicDNS === true,
    search_paths: pickStrings(asRecord(search.value), 'searchPaths'),
    split_dns: splitDns,
  };
}

const common = {
  permission: 'tailscale:write' as const,
  risk: 'high' as const,
  openWorld: true,
  output: dnsState,
};

export const dnsGet = tailscaleTool({
  name: 'tailscale_dns_get',
  title: 'Tailscale: DNS settings',
  description: 'Global nameservers, MagicDNS on/off, search paths and split-DNS routes of the tailnet.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({}),
  output: dnsState,
  handler: (_input, ctx) => readDns(ctx),
});

export const dnsNameserversSet = tailscaleTool({
  ...common,
  name: 'tailscale_dns_nameservers_set',
  title: 'Tailscale: Set global nameservers',
  description:
    'Replace the global nameservers every device uses. An empty list removes them (MagicDNS may then turn off).',
  input: z.object({
    nameservers: z
      .array(ip)
      .max(20)
      .describe('Global nameserver IP addresses, in order; [] removes them all'),
  }),
  summarize: ({ nameservers }) =>
    `Set the tailnet's global nameservers to ${nameservers.join(', ') || '(none)'}.`,
  handler: async ({ nameservers }, ctx) => {
    await dnsCall(ctx, 'POST', 'nameservers', { dns: nameservers });
    return readDns(ctx);
  },
});

export const dnsMagicDnsSet = tailscaleTool({
  ...common,
  name: 'tailscale_dns_magicdns_set',
  title: 'Tailscale: Turn MagicDNS on or off',
  description: 'Enable or disable MagicDNS (device names resolving on the tailnet).',
  input: z.object({ enabled: z.boolean().describe('Turn MagicDNS on (true) or off (false)') }),
  summarize: ({ enabled }) => `Turn MagicDNS ${enabled ? 'on' : 'off'} for the whole tailnet.`,
  handler: async ({ enabled }, ctx) => {
    await dnsCall(ctx, 'POST', 'preferences', { magicDNS: enabled });
    return readDns(ctx);
  },
});

export const dnsSearchPathsSet = tailscaleTool({
  ...common,
  name: 'tailscale_dns_searchpaths_set',
  title: 'Tailscale: Set DNS search paths',
  description: 'Replace the search domains devices append to short names.',
  input: z.object({
    search_paths: z.array(domain).max(20).describe('DNS search domains, in order; [] removes them all'),
  }),
  summarize: ({ search_paths }) => `Set the DNS search paths to ${search_paths.join(', ') || '(none)'}.`,
  handler: async ({ search_paths }, ctx) => {
    await dnsCall(ctx, 'POST', 'searchpaths', { searchPaths: search_paths });
    return readDns(ctx);
  },
});

export const dnsSplitSet = tailscaleTool({
  ...common,
  name: 'tailscale_dns_split_set',
  title: 'Tailscale: Add or change a split-DNS route',
  description:
    'Send queries for one domain (e.g. home.arpa) to the given resolvers; other split-DNS entries are kept.',
  input: z.object({
    domain,
    nameservers: z.array(ip).min(1).max(10).describe('Nameserver IP addresses that answer for this domain'),
  }),
  summarize: ({ domain: d, nameservers }) => `Resolve ${d} through ${nameservers.join(', ')}.`,
  handler: async ({ domain: d, nameservers }, ctx) => {
    await dnsCall(ctx, 'PATCH', 'split-dns', { [d.replace(/\.$/, '')]: nameservers });
    return readDns(ctx);
  },
});

export const dnsSplitRemove = tailscaleTool({
  ...common,
  name: 'tailscale_dns_split_remove',
  title: 'Tailscale: Remove a split-DNS route',
  description: 'Stop routing one domain to its own resolvers; other entries are kept.',
  input: z.object({ domain }),
  summarize: ({ domain: d }) => `Remove the split-DNS route for ${d}.`,
  handler: async ({ domain: d }, ctx) => {
    await dnsCall(ctx, 'PATCH', 'split-dns', { [d.replace(/\.$/, '')]: null });
    return readDns(ctx);
  },
});

export const dnsTools = [
  dnsGet,
  dnsNameserversSet,
  dnsMagicDnsSet,
  dnsSearchPathsSet,
  dnsSplitSet,
  dnsSplitRemove,
];

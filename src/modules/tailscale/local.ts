import { isIP } from 'node:net';
import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';
import { knownTime } from '../../util/placeholders.ts';
import { tailscaleTool } from './context.ts';

const node = z.object({
  id: z.string(),
  name: z.string(),
  fqdn: z.string(),
  os: z.string(),
  addresses: z.array(z.string()),
  tags: z.array(z.string()),
  online: z.boolean(),
  key_expiry: z.string().nullable(),
});

const peer = node.extend({
  user: z.string(),
  last_seen: z.string().nullable(),
  exit_node: z.boolean().describe('This node uses it as its exit node now'),
  exit_node_option: z.boolean().describe('It offers itself as an exit node'),
  routes: z.array(z.string()).describe('Subnet routes it serves (primary routes)'),
  connection: z
    .enum(['direct', 'relay', 'offline', 'unknown'])
    .describe('How traffic reaches it now, when known'),
  relay: z.string().describe('Home DERP region'),
  endpoint: z.string().describe('Direct address in use, when direct'),
});

function toNode(raw: unknown): z.infer<typeof node> {
  const n = asRecord(raw);
  const fqdn = pickString(n, 'DNSName').replace(/\.$/, '');
  return {
    id: pickString(n, 'ID'),
    name: fqdn.split('.')[0] || pickString(n, 'HostName'),
    fqdn,
    os: pickString(n, 'OS'),
    addresses: pickStrings(n, 'TailscaleIPs'),
    tags: pickStrings(n, 'Tags'),
    online: n.Online === true,
    key_expiry: knownTime(pickString(n, 'KeyExpiry')),
  };
}

export function toPeer(raw: unknown, users: Record<string, unknown>): z.infer<typeof peer> {
  const n = asRecord(raw);
  const base = toNode(raw);
  const endpoint = pickString(n, 'CurAddr');
  const relay = pickString(n, 'Relay');
  return {
    ...base,
    user: pickString(asRecord(users[String(n.UserID)]), 'LoginName'),
    last_seen: knownTime(pickString(n, 'LastSeen')),
    exit_node: n.ExitNode === true,
    exit_node_option: n.ExitNodeOption === true,
    routes: pickStrings(n, 'PrimaryRoutes'),
    connection: !base.online ? 'offline' : endpoint ? 'direct' : relay ? 'relay' : 'unknown',
    relay,
    endpoint,
  };
}

export const localStatus = tailscaleTool({
  name: 'tailscale_status',
  title: 'Tailscale: Local status',
  description:
    "This node's tailscaled: backend state, version and available update, its own addresses, the tailnet and MagicDNS, exit node in use, health warnings, peer counts.",
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({}),
  output: z.object({
    backend_state: z.string().describe('Running, NeedsLogin, Stopped, …'),
    version: z.string(),
    update_available: z.string().nullable().describe('Latest version when this one is not'),
    self: node,
    tailnet: z.object({ name: z.string(), magic_dns_suffix: z.string(), magic_dns_enabled: z.boolean() }),
    exit_node: z.object({ id: z.string(), online: z.boolean() }).nullable(),
    health: z.array(z.string()),
    needs_login: z.boolean(),
    peers: z.object({ total: z.number().int(), online: z.number().int() }),
  }),
  handler: async (_input, ctx) => {
    const s = await ctx.tailscale.local.status({ signal: ctx.signal });
    const tailnet = asRecord(s.CurrentTailnet);
    const exit = asRecord(s.ExitNodeStatus);
    const version = asRecord(s.ClientVersion);
    const peers = Object.values(asRecord(s.Peer)).map(asRecord);
    return {
      backend_state: pickString(s, 'BackendState') || 'unknown',
      version: pickString(s, 'Version'),
      update_available:
        version.RunningLatest === false ? pickString(version, 'LatestVersion') || 'yes' : null,
      self: toNode(s.Self),
      tailnet: {
        name: pickString(tailnet, 'Name'),
        magic_dns_suffix: pickString(tailnet, 'MagicDNSSuffix') || pickString(s, 'MagicDNSSuffix'),
        magic_dns_enabled: tailnet.MagicDNSEnabled === true,
      },
      exit_node: pickString(exit, 'ID') ? { id: pickString(exit, 'ID'), online: exit.Online === true } : null,
      health: pickStrings(s, 'Health'),
      // The login URL itself is a credential of sorts: say that one is needed, not what it is.
      needs_login: pickString(s, 'AuthURL') !== '' || pickString(s, 'BackendState') === 'NeedsLogin',
      peers: { total: peers.length, online: peers.filter((p) => p.Online === true).length },
    };
  },
});

export const localPeers = tailscaleTool({
  name: 'tailscale_peers',
  title: 'Tailscale: Peers',
  description:
    'Peers as this node sees them: online or offline, owner, addresses, exit node in use or offered, subnet routes, and whether traffic goes direct or through a DERP relay.',
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({
    online: z.boolean().optional().describe('Only peers that are online (true) or offline (false)'),
    exit_node_option: z
      .boolean()
      .optional()
      .describe('Only peers that offer (true) or do not offer an exit node'),
    name: z.string().min(1).max(100).optional().describe('Part of the peer name'),
    format: formatArg,
  }),
  output: z.object({ count: z.number().int(), peers: z.array(peer) }),
  handler: async ({ online, exit_node_option, name }, ctx) => {
    const s = await ctx.tailscale.local.status({ signal: ctx.signal });
    const users = asRecord(s.User);
    const peers = Object.values(asRecord(s.Peer))
      .map((p) => toPeer(p, users))
      .filter((p) => online === undefined || p.online === online)
      .filter((p) => exit_node_option === undefined || p.exit_node_option === exit_node_option)
      .filter((p) => name === undefined || p.fqdn.includes(name.toLowerCase()))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { count: peers.length, peers };
  },
});

const address = z
  .string()
  .refine((value) => {
    const ip = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.replace(/:\d+$/, '');
    return isIP(value) !== 0 || isIP(ip) !== 0;
  }, 'a tailnet IP address, optionally with :port (e.g. 100.64.0.20 or 100.64.0.20:443)')
  .describe('Tailnet address, e.g. 100.64.0.20');

export const localWhois = tailscaleTool({
  name: 'tailscale_whois',
  title: 'Tailscale: Who is this address',
  description:
    'The node and user behind a tailnet address, with its tags and the app capabilities it is granted here.',
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({ address }),
  output: z.object({
    node_id: z.string(),
    node_name: z.string(),
    login_name: z.string(),
    display_name: z.string(),
    tags: z.array(z.string()),
    capabilities: z.record(z.string(), z.array(z.unknown())),
  }),
  handler: async ({ address: addr }, ctx) => {
    const who = await ctx.tailscale.local.whois(addr, ctx.signal);
    return {
      node_id: who.nodeId,
      node_name: who.nodeName,
      login_name: who.loginName,
      display_name: who.displayName,
      tags: who.tags,
      capabilities: who.capMap,
    };
  },
});

export const localTools = [localStatus, localPeers, localWhois];

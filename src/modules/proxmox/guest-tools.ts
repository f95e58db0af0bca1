import { z } from 'zod';
import { redactArgs } from '../../audit/redact.ts';
import { formatArg } from '../../mcp/format.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { clusterErrorsSchema, eachCluster } from './each-cluster.ts';
import {
  DEFAULT_GUEST_FIELDS,
  GUEST_FIELDS,
  type Guest,
  guestFrom,
  guestSchema,
  nodeArg,
  pickFields,
  vmidArg,
} from './model.ts';
import { explainEmpty } from './privileges.ts';
import { clusterResources, findGuest } from './resources.ts';
import { isSelf } from './self.ts';

export const guestFilterSchema = z.object({
  node: nodeArg.optional().describe('Only guests on this node'),
  type: z.enum(['qemu', 'lxc']).optional().describe('qemu (VMs) or lxc (containers)'),
  status: z.enum(['running', 'stopped']).optional().describe('Only running or only stopped guests'),
  tag: z.string().max(64).optional().describe('Only guests with this Proxmox tag'),
  name: z.string().max(100).optional().describe('Only guests whose name contains this (any case)'),
  templates: z.boolean().default(false).describe('Include templates'),
});

/** Filter, sort (by cluster, then VMID) and cut a guest list; pure, so the benchmark measures exactly this. */
export function selectGuests(
  guests: readonly Guest[],
  filter: z.infer<typeof guestFilterSchema>,
  fields: readonly (keyof Guest)[] = DEFAULT_GUEST_FIELDS,
  limit = 1000,
) {
  const name = filter.name?.toLowerCase();
  const matching = guests
    .filter(
      (g) =>
        (filter.templates || !g.template) &&
        (!filter.node || g.node === filter.node) &&
        (!filter.type || g.type === filter.type) &&
        (!filter.status || g.status === filter.status) &&
        (!filter.tag || g.tags.split(';').includes(filter.tag)) &&
        (!name || g.name.toLowerCase().includes(name)),
    )
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.vmid - b.vmid);
  return {
    total: guests.length,
    matched: matching.length,
    guests: matching.slice(0, limit).map((g) => pickFields(g, fields)),
  };
}

export const guestsList = proxmoxTool({
  name: 'proxmox_guests_list',
  title: 'Proxmox: List guests',
  description:
    'Virtual machines (qemu) and containers (lxc) of every configured cluster in one request per cluster: status, CPU, memory, disk, uptime, tags. Filter by node, type, status, tag or name; choose fields; format "toon" for a compact table.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: guestFilterSchema.extend({
    cluster: clusterArg.describe('Only this cluster (default: every configured cluster)'),
    fields: z
      .array(z.enum(GUEST_FIELDS as [keyof Guest, ...(keyof Guest)[]]))
      .min(1)
      .optional()
      .describe(`Fields to return (default: ${DEFAULT_GUEST_FIELDS.join(', ')})`),
    limit: z.number().int().min(1).max(5000).default(1000).describe('Most guests to return'),
    format: formatArg,
  }),
  output: z.object({
    total: z.number().int().describe('Guests the token can see'),
    matched: z.number().int(),
    guests: z.array(guestSchema.partial()),
    warnings: z.array(z.string()),
    errors: clusterErrorsSchema,
  }),
  handler: async ({ cluster, fields, limit, format: _format, ...filter }, ctx) => {
    const warnings: string[] = [];
    const { results, errors } = await eachCluster(ctx, cluster, async (client) => {
      const rows = await clusterResources(client, 'vm', ctx.signal);
      const guests = rows.filter((r) => r.type === 'qemu' || r.type === 'lxc');
      // An empty list may be Proxmox hiding guests from a token without VM.Audit: one more request says which.
      if (guests.length === 0) {
        const why = await explainEmpty(
          client,
          { privilege: 'VM.Audit', path: '/vms', partial: ['/vms', '/pool'] },
          'guests',
          ctx.signal,
        );
        if (why) warnings.push(why);
      }
      return guests.map((g) => guestFrom(client.name, g));
    });
    return { ...selectGuests(results.flat(), filter, fields, limit), warnings, errors };
  },
});

export const guestStatus = proxmoxTool({
  name: 'proxmox_guest_status',
  title: 'Proxmox: Guest status',
  description:
    'The live status of one guest: running or not, QEMU state (paused, suspended), CPU, memory, disk and network counters, uptime, lock, HA state, and whether it runs this gateway.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg, vmid: vmidArg }),
  output: guestSchema.extend({
    qmpstatus: z.string().optional().describe('QEMU only: running, paused, suspended, prelaunch…'),
    pid: z.number().optional(),
    agent: z.boolean().optional().describe('QEMU guest agent enabled in the config'),
    is_gateway: z.boolean().describe('This guest runs the gateway (protected from power-off and rollback)'),
  }),
  handler: async ({ cluster, vmid }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const s = await client.get<Record<string, unknown>>(`${path}/status/current`, undefined, {
      action: `read the status of guest ${vmid}`,
      signal: ctx.signal,
    });
    // status/current says `cpus` where /cluster/resources says `maxcpu`.
    const current = guestFrom(client.name, {
      ...s,
      maxcpu: s.maxcpu ?? s.cpus,
      vmid,
      node: guest.node,
      type: guest.type,
      name: s.name ?? guest.name,
    });
    return {
      ...current,
      tags: current.tags || guest.tags,
      pool: guest.pool,
      hastate: guest.hastate,
      qmpstatus: typeof s.qmpstatus === 'string' ? s.qmpstatus : undefined,
      pid: typeof s.pid === 'number' ? s.pid : undefined,
      agent: s.agent === undefined ? undefined : s.agent === 1 || s.agent === true,
      is_gateway: isSelf(ctx.proxmox.self, guest),
    };
  },
});

/** Config keys whose values are secrets even though their names do not say so. */
const CONFIG_SECRETS = ['cipassword'];

export const guestConfigGet = proxmoxTool({
  name: 'proxmox_guest_config_get',
  title: 'Proxmox: Guest config',
  description:
    'The configuration of one guest (CPU, memory, disks, network, options) with its digest, which proxmox_guest_config_set needs so a concurrent edit is not overwritten. Secrets (cloud-init password and the like) are masked.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    current: z
      .boolean()
      .default(false)
      .describe('The running values instead of those with pending changes applied'),
  }),
  output: z.object({
    cluster: z.string(),
    vmid: z.number(),
    node: z.string(),
    type: z.enum(['qemu', 'lxc']),
    digest: z.string().describe('Pass to proxmox_guest_config_set as digest'),
    config: z.record(z.string(), z.unknown()),
  }),
  handler: async ({ cluster, vmid, current }, ctx) => {
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const raw = await client.get<Record<string, unknown>>(
      `${path}/config`,
      current ? { current: true } : undefined,
      {
        action: `read the config of guest ${vmid}`,
        signal: ctx.signal,
      },
    );
    const { digest, ...config } = raw ?? {};
    return {
      cluster: client.name,
      vmid,
      node: guest.node,
      type: guest.type,
      digest: typeof digest === 'string' ? digest : '',
      config: redactArgs(config, CONFIG_SECRETS) as Record<string, unknown>,
    };
  },
});

export const guestTools = [guestsList, guestStatus, guestConfigGet];

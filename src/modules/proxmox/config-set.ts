import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { Params } from './client.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { vmidArg } from './model.ts';
import { findGuest } from './resources.ts';

/**
 * A guest config change limited to sizing and general options — no disks,
 * devices, network or raw QEMU arguments (those allocate storage, reach host
 * devices or are root-only in Proxmox) — and always with the digest read by
 * proxmox_guest_config_get, so an edit made meanwhile is never overwritten.
 */
const dnsName = z
  .string()
  .regex(
    /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/,
    'a DNS name',
  )
  .max(253);
const tag = z
  .string()
  .max(64)
  .regex(/^[a-z0-9_][a-z0-9_+.-]{0,63}$/i, 'a Proxmox tag: letters, digits, _ + . -');

export const configChangeSchema = z
  .strictObject({
    memory: z.number().int().min(16).max(4_194_304).optional().describe('Memory in MiB'),
    balloon: z
      .number()
      .int()
      .min(0)
      .max(4_194_304)
      .optional()
      .describe('VMs: minimum memory for ballooning, MiB (0 disables)'),
    swap: z.number().int().min(0).max(4_194_304).optional().describe('Containers: swap in MiB'),
    cores: z.number().int().min(1).max(8192).optional().describe('CPU cores (VMs: per socket)'),
    sockets: z.number().int().min(1).max(16).optional().describe('VMs: CPU sockets'),
    cpulimit: z.number().min(0).max(8192).optional().describe('CPU time limit in cores (0: none)'),
    cpuunits: z.number().int().min(1).max(262_144).optional().describe('CPU weight against other guests'),
    onboot: z.boolean().optional().describe('Start when the node boots'),
    protection: z.boolean().optional().describe('Protect the guest from removal and its disks from changes'),
    name: dnsName.optional().describe('VMs: the name'),
    hostname: dnsName.optional().describe('Containers: the host name'),
    description: z.string().max(8192).optional().describe('Notes shown in the web UI'),
    tags: z.array(tag).max(50).optional().describe('The complete tag list (replaces the current tags)'),
  })
  .describe('Settings to change; only these are accepted');

const DELETABLE = ['balloon', 'cpulimit', 'cpuunits', 'onboot', 'protection', 'description', 'tags'] as const;
const QEMU_ONLY = new Set(['balloon', 'sockets', 'name']);
const LXC_ONLY = new Set(['swap', 'hostname']);

export const guestConfigSet = proxmoxTool({
  name: 'proxmox_guest_config_set',
  title: 'Proxmox: Change guest config',
  description:
    'Change CPU, memory and general options of a guest (cores, sockets, memory, balloon, swap, CPU limit and weight, start at boot, protection, name, description, tags). Needs the digest from proxmox_guest_config_get: if the config changed meanwhile, nothing is written. Some changes apply at the next restart.',
  permission: 'proxmox:admin',
  risk: 'high',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    vmid: vmidArg,
    digest: z
      .string()
      .max(64)
      .regex(/^[0-9a-f]{40,64}$/, 'the digest proxmox_guest_config_get returned')
      .describe('Digest of the config the change is based on (from proxmox_guest_config_get)'),
    set: configChangeSchema.default({}),
    delete: z
      .array(z.enum(DELETABLE))
      .max(DELETABLE.length)
      .default([])
      .describe('Settings to remove (back to their defaults)'),
  }),
  output: z.object({
    cluster: z.string(),
    vmid: z.number(),
    type: z.enum(['qemu', 'lxc']),
    changed: z.array(z.string()),
    deleted: z.array(z.string()),
    digest: z.string().describe('The new digest'),
    values: z.record(z.string(), z.unknown()).describe('The changed settings as Proxmox now has them'),
  }),
  summarize: ({ vmid, cluster, set, delete: del }) =>
    `Change the config of guest ${vmid}${cluster ? ` on cluster ${cluster}` : ''}: ${[
      ...Object.entries(set).map(
        ([k, v]) => `${k}=${Array.isArray(v) ? v.join(';') : String(v).slice(0, 80)}`,
      ),
      ...del.map((k) => `remove ${k}`),
    ].join(', ')}.`,
  handler: async ({ cluster, vmid, digest, set, delete: del }, ctx) => {
    const keys = Object.keys(set) as (keyof typeof set)[];
    if (keys.length === 0 && del.length === 0)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        'Nothing to change: give settings in set or names in delete.',
      );
    const both = keys.filter((k) => (del as string[]).includes(k));
    if (both.length)
      throw new GatewayError('ERR_INPUT_REJECTED', `${both.join(', ')} cannot be set and deleted at once.`);
    const { client, guest, path } = await findGuest(ctx, cluster, vmid);
    const wrong = keys.filter((k) => (guest.type === 'qemu' ? LXC_ONLY : QEMU_ONLY).has(k));
    if (wrong.length) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Guest ${vmid} is ${guest.type === 'qemu' ? 'a VM' : 'a container'}; ${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} for ${guest.type === 'qemu' ? 'containers' : 'VMs'} only.`,
      );
    }
    const params: Params = { digest };
    for (const key of keys) {
      const value = set[key];
      params[key] = Array.isArray(value) ? value.join(';') : (value as string | number | boolean);
    }
    if (del.length) params.delete = del.join(',');
    // PUT is the synchronous form (POST on QEMU answers with a task); nothing here allocates storage.
    await client.put<null>(`${path}/config`, params, {
      action: `change the config of guest ${vmid}`,
      signal: ctx.signal,
    });
    const after = await client.get<Record<string, unknown>>(`${path}/config`, undefined, {
      action: `read the config of guest ${vmid}`,
      signal: ctx.signal,
    });
    return {
      cluster: client.name,
      vmid,
      type: guest.type,
      changed: keys,
      deleted: [...del],
      digest: typeof after?.digest === 'string' ? after.digest : '',
      values: Object.fromEntries(keys.map((k) => [k, after?.[k]])),
    };
  },
});

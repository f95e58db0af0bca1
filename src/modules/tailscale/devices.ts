import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { tailscaleTool } from './context.ts';
import { getDevice, listDevices, postDevice, refuseOwnNode, resolveDeviceId } from './device-api.ts';
import {
  DEFAULT_LIST_FIELDS,
  DEVICE_FIELDS,
  type Device,
  deviceFilterSchema,
  deviceSchema,
  matchesFilter,
  selectFields,
} from './device-model.ts';

export const deviceRef = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a node id (e.g. nAbC123CNTRL) or a device name')
  .describe('Device node id (nodeId, e.g. "nAbC123CNTRL") or its name (e.g. "nas")');

const fieldsArg = z
  .array(z.enum(DEVICE_FIELDS))
  .min(1)
  .optional()
  .describe(`Fields to return (default: ${DEFAULT_LIST_FIELDS.join(', ')}). "all" fields: pass every name.`);

/** Filter, sort (by name) and cut a device list; pure so the benchmark measures exactly this. */
export function selectDevices(
  devices: readonly Device[],
  filter: z.infer<typeof deviceFilterSchema>,
  fields: readonly (keyof Device)[] = DEFAULT_LIST_FIELDS,
  limit = 1000,
) {
  const matching = devices
    .filter((d) => matchesFilter(d, filter))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    total: devices.length,
    matched: matching.length,
    devices: matching.slice(0, limit).map((d) => selectFields(d, fields)),
  };
}

export const devicesList = tailscaleTool({
  name: 'tailscale_devices_list',
  title: 'Tailscale: List devices',
  description:
    'Devices of the tailnet, filtered (online, os, tag, user, name, not seen for N days, update available, key expiring within N days, key expiry disabled, advertises routes, routes pending approval, exit node, external, authorized) with chosen fields. Use format "toon" for a compact table.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: deviceFilterSchema.extend({
    fields: fieldsArg,
    limit: z.number().int().min(1).max(5000).default(500).describe('Most devices to return'),
    format: formatArg,
  }),
  output: z.object({
    total: z.number().int().describe('Devices in the tailnet'),
    matched: z
      .number()
      .int()
      .describe('Devices matching the filters (may exceed the returned list when limited)'),
    devices: z.array(deviceSchema.partial()),
  }),
  handler: async ({ fields, limit, format: _format, ...filter }, ctx) =>
    selectDevices(await listDevices(ctx), filter, fields, limit),
});

export const deviceGet = tailscaleTool({
  name: 'tailscale_device_get',
  title: 'Tailscale: Get device',
  description:
    'Every field of one device: addresses, owner, tags, client version, key expiry, routes, last seen.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ device: deviceRef }),
  output: deviceSchema,
  handler: ({ device }, ctx) => getDevice(ctx, device),
});

const changed = z.object({ device: deviceSchema });

function deviceSetter(spec: {
  name: string;
  title: string;
  description: string;
  risk: 'high' | 'critical';
  guardSelf?: string;
  input: z.ZodObject<{ device: typeof deviceRef } & z.ZodRawShape>;
  summarize: (input: Record<string, unknown>) => string;
  apply: (
    id: string,
    input: Record<string, unknown>,
    ctx: Parameters<typeof postDevice>[0],
  ) => Promise<unknown>;
}) {
  return tailscaleTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    permission: spec.risk === 'critical' ? 'tailscale:admin' : 'tailscale:write',
    risk: spec.risk,
    openWorld: true,
    input: spec.input,
    output: changed,
    summarize: spec.summarize,
    handler: async (input, ctx) => {
      const id = await resolveDeviceId(ctx, input.device as string);
      if (spec.guardSelf) await refuseOwnNode(ctx, id, spec.guardSelf);
      await spec.apply(id, input, ctx);
      return { device: await getDevice(ctx, id) };
    },
  });
}

export const deviceAuthorize = deviceSetter({
  name: 'tailscale_device_authorize',
  title: 'Tailscale: Authorize device',
  description: 'Approve a device waiting for device approval, so it may join the tailnet.',
  risk: 'high',
  input: z.object({ device: deviceRef }),
  summarize: ({ device }) => `Authorize device ${device} on the tailnet.`,
  apply: (id, _i, ctx) =>
    postDevice(ctx, id, 'authorized', { authorized: true }, { action: `authorize device ${id}` }),
});

export const deviceDeauthorize = deviceSetter({
  name: 'tailscale_device_deauthorize',
  title: 'Tailscale: Deauthorize device',
  description: 'Withdraw the approval of a device: it stays listed but can no longer reach the tailnet.',
  risk: 'high',
  guardSelf: 'deauthorize',
  input: z.object({ device: deviceRef }),
  summarize: ({ device }) => `Deauthorize device ${device} (it loses tailnet access).`,
  apply: (id, _i, ctx) =>
    postDevice(ctx, id, 'authorized', { authorized: false }, { action: `deauthorize device ${id}` }),
});

export const deviceTagsSet = deviceSetter({
  name: 'tailscale_device_tags_set',
  title: 'Tailscale: Set device tags',
  description:
    'Replace the ACL tags of a device (the tags must be owned in the policy file). An empty list is refused: untagging needs the admin console.',
  risk: 'high',
  // Its tags decide what the policy lets the gateway reach and be reached by.
  guardSelf: 'change the tags of',
  input: z.object({
    device: deviceRef,
    tags: z
      .array(z.string().regex(/^tag:[A-Za-z0-9][\w-]*$/, 'tags look like tag:server'))
      .min(1)
      .max(50)
      .describe('The complete new tag list (replaces the current tags), e.g. ["tag:server"]'),
  }),
  summarize: ({ device, tags }) =>
    `Set the tags of ${device} to ${(tags as string[]).join(', ')} (replacing its current tags).`,
  apply: (id, { tags }, ctx) =>
    postDevice(ctx, id, 'tags', { tags }, { action: `set the tags of device ${id}` }),
});

export const deviceRename = deviceSetter({
  name: 'tailscale_device_rename',
  title: 'Tailscale: Rename device',
  description: 'Change the MagicDNS name of a device (its hostname on the machine is unchanged).',
  risk: 'high',
  // Renaming it would change the MagicDNS name clients use to reach the gateway.
  guardSelf: 'rename',
  input: z.object({
    device: deviceRef,
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a DNS label: a-z, 0-9 and -, at most 63')
      .describe('New machine name (a DNS label)'),
  }),
  summarize: ({ device, name }) => `Rename device ${device} to ${name}.`,
  apply: (id, { name }, ctx) => postDevice(ctx, id, 'name', { name }, { action: `rename device ${id}` }),
});

export const deviceKeyExpirySet = deviceSetter({
  name: 'tailscale_device_key_expiry_set',
  title: 'Tailscale: Disable or enable key expiry',
  description: 'Disable key expiry of a device (for servers that must not drop off), or enable it again.',
  risk: 'high',
  input: z.object({
    device: deviceRef,
    disabled: z.boolean().default(true).describe('true: the key never expires'),
  }),
  summarize: ({ device, disabled }) => `${disabled ? 'Disable' : 'Enable'} key expiry of device ${device}.`,
  apply: (id, { disabled }, ctx) =>
    postDevice(
      ctx,
      id,
      'key',
      { keyExpiryDisabled: disabled },
      { action: `change key expiry of device ${id}` },
    ),
});

export const deviceKeyExpire = deviceSetter({
  name: 'tailscale_device_key_expire',
  title: 'Tailscale: Expire device key',
  description:
    'Expire the node key of a device now: it must re-authenticate before it reaches the tailnet again.',
  risk: 'critical',
  guardSelf: 'expire the key of',
  input: z.object({ device: deviceRef }),
  summarize: ({ device }) => `Expire the node key of ${device}; it must log in again.`,
  apply: (id, _i, ctx) => postDevice(ctx, id, 'expire', {}, { action: `expire the key of device ${id}` }),
});

export const deviceDelete = tailscaleTool({
  name: 'tailscale_device_delete',
  title: 'Tailscale: Delete device',
  description: 'Remove a device from the tailnet. It cannot come back without a new login or auth key.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({ device: deviceRef }),
  output: z.object({ deleted: z.string().describe('Node id of the deleted device') }),
  summarize: ({ device }) => `Delete device ${device} from the tailnet (not reversible).`,
  handler: async ({ device }, ctx) => {
    const id = await resolveDeviceId(ctx, device);
    await refuseOwnNode(ctx, id, 'delete');
    await ctx.tailscale.admin.request({
      method: 'DELETE',
      path: `/device/${encodeURIComponent(id)}`,
      action: `delete device ${id}`,
      scope: 'devices:core',
      notFound: `No device with id "${id}" (already deleted?); call tailscale_devices_list for the ids.`,
      signal: ctx.signal,
    });
    return { deleted: id };
  },
});

export const deviceTools = [
  devicesList,
  deviceGet,
  deviceAuthorize,
  deviceDeauthorize,
  deviceTagsSet,
  deviceRename,
  deviceKeyExpirySet,
  deviceKeyExpire,
  deviceDelete,
];

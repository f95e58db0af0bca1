import { z } from 'zod';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';
import { terminalSafe } from '../../util/terminal-safe.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';
import { listDevices, resolveDeviceId } from './device-api.ts';
import { deviceRef } from './devices.ts';
import { frontsGateway, serviceFrontsGateway } from './service-config.ts';
import { hostSchema, rejected, serviceName, serviceSchema, toService } from './services-api.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

const readOnly = { permission: 'tailscale:read' as const, risk: 'low' as const, openWorld: true };
const write = { permission: 'tailscale:write' as const, risk: 'high' as const, openWorld: true };

const ports = z
  .array(
    z
      .string()
      .regex(/^(tcp:[1-9]\d{0,4}|do-not-validate)$/, 'ports look like "tcp:443" (or "do-not-validate")')
      .refine((p) => p === 'do-not-validate' || Number(p.slice(4)) <= 65535, 'a port is at most 65535'),
  )
  .min(1)
  .max(32)
  .describe(
    'The ports the Service offers, e.g. ["tcp:443"]; hosts must serve them. "do-not-validate" skips the check',
  );
const tags = z
  .array(z.string().regex(/^tag:[A-Za-z0-9][\w-]*$/, 'tags look like tag:web'))
  .max(32)
  .describe('ACL tags of the Service (its identity in grants), e.g. ["tag:web"]');
const comment = z
  .string()
  .max(500)
  .refine((text) => terminalSafe(text) === text, 'one line of text, without control or invisible characters')
  .describe('Shown in the admin console');

/** Device names by node id, best effort (a credential without devices:core:read still gets ids). */
async function deviceNames(ctx: Ctx): Promise<Map<string, string>> {
  try {
    return new Map((await listDevices(ctx)).map((d) => [d.id, d.name]));
  } catch {
    return new Map();
  }
}

/**
 * Fails closed: a Service that forwards to the gateway's own listener on this
 * node is how callers may reach the gateway, so it is not deleted, nor this
 * node's approval withdrawn, while that cannot be ruled out.
 */
async function refuseIfFrontsGateway(ctx: Ctx, name: string, what: string): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = (await ctx.tailscale.local.serveConfig(ctx.signal)).config;
  } catch (cause) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `Refusing to ${what} while tailscaled cannot show whether the gateway is reached through ${name}; fix the LocalAPI socket first.`,
      { cause },
    );
  }
  if (serviceFrontsGateway(config, name, ctx.tailscale.gatewayListen)) throw frontsGateway(name);
}

export const serviceList = tailscaleTool({
  ...readOnly,
  name: 'tailscale_service_list',
  title: 'Tailscale: List Services',
  description:
    'Tailscale Services (svc:<name>: a stable name and virtual IPs in front of one or more tagged hosts) with their addresses, ports, tags and comment.',
  input: z.object({}),
  output: z.object({ services: z.array(serviceSchema) }),
  handler: async (_input, ctx) => ({ services: await ctx.tailscale.services.list(ctx) }),
});

export const serviceGet = tailscaleTool({
  ...readOnly,
  name: 'tailscale_service_get',
  title: 'Tailscale: Show a Service and its hosts',
  description:
    'One Service: addresses, ports, tags, comment, and the devices hosting it with their approval (not-approved, approved:auto, approved:manual) and configuration state.',
  input: z.object({ service: serviceName }),
  output: serviceSchema.extend({
    hosts: z.array(hostSchema),
    skipped: z.string().optional().describe('Why the hosts could not be read'),
  }),
  handler: async ({ service }, ctx) => {
    const api = ctx.tailscale.services;
    const found = await api.getRaw(ctx, service);
    try {
      return { ...toService(found), hosts: await api.hosts(ctx, service, await deviceNames(ctx)) };
    } catch (error) {
      if (!isGatewayError(error) || error.code === 'ERR_TIMEOUT') throw error;
      return { ...toService(found), hosts: [], skipped: error.message };
    }
  },
});

export const serviceCreate = tailscaleTool({
  ...write,
  name: 'tailscale_service_create',
  title: 'Tailscale: Define a Service',
  description:
    'Define a new Service in the tailnet: its name, ports, tags and comment (Tailscale allocates its addresses). No host serves it until a tagged device advertises it and is approved.',
  input: z.object({ service: serviceName, ports, tags: tags.default([]), comment: comment.default('') }),
  output: z.object({ service: serviceSchema }),
  summarize: ({ service, ports: p, tags: t }) =>
    `Define Service ${service} on ${p.join(', ')}${t.length ? ` tagged ${t.join(', ')}` : ''}.`,
  handler: async ({ service, ports: p, tags: t, comment: c }, ctx) => {
    const api = ctx.tailscale.services;
    if (await api.find(ctx, service)) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `Service ${service} already exists; change it with tailscale_service_update.`,
      );
    }
    const body = { name: service, ports: p, tags: t, comment: c };
    return { service: await api.put(ctx, service, body, `create Service ${service}`) };
  },
});

export const serviceUpdate = tailscaleTool({
  ...write,
  name: 'tailscale_service_update',
  title: 'Tailscale: Change a Service',
  description:
    "Change a Service's ports, tags or comment. Fields left out keep their value; its addresses are always kept.",
  input: z.object({
    service: serviceName,
    ports: ports.optional(),
    tags: tags.optional(),
    comment: comment.optional(),
  }),
  output: z.object({ service: serviceSchema, before: serviceSchema }),
  summarize: ({ service, ports: p, tags: t, comment: c }) =>
    `Change Service ${service}:${p ? ` ports ${p.join(', ')};` : ''}${t ? ` tags ${t.join(', ') || '(none)'};` : ''}${c !== undefined ? ' comment;' : ''}`.replace(
      /;$/,
      '.',
    ),
  handler: async ({ service, ports: p, tags: t, comment: c }, ctx) => {
    if (p === undefined && t === undefined && c === undefined)
      throw rejected('Nothing to change: pass ports, tags or comment.');
    const api = ctx.tailscale.services;
    // PUT replaces the Service: read it and send it back whole, with its addresses
    // (an update without them is refused once Tailscale allocated them).
    const current = await api.getRaw(ctx, service);
    const body: Record<string, unknown> = { ...current, name: service };
    if (p) body.ports = p;
    if (t) body.tags = t;
    if (c !== undefined) body.comment = c;
    const updated = await api.put(ctx, service, body, `update Service ${service}`);
    return { service: updated, before: toService(current) };
  },
});

export const serviceDelete = tailscaleTool({
  name: 'tailscale_service_delete',
  title: 'Tailscale: Delete a Service',
  description:
    'Delete a Service from the tailnet: its name and addresses stop working for every client at once. Refused for a Service through which this gateway is reached.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({ service: serviceName }),
  output: z.object({ deleted: serviceSchema }),
  summarize: ({ service }) => `Delete Service ${service} from the tailnet (its address stops working).`,
  handler: async ({ service }, ctx) => {
    await refuseIfFrontsGateway(ctx, service, `delete ${service}`);
    const api = ctx.tailscale.services;
    const current = toService(await api.getRaw(ctx, service));
    await api.delete(ctx, service);
    return { deleted: current };
  },
});

const approvalInput = z.object({ service: serviceName, device: deviceRef });
const approvalOutput = z.object({
  service: z.string(),
  device: z.string(),
  approved: z.boolean(),
  auto_approved: z.boolean().describe('Approved by an autoApprovers rule of the policy file'),
  hosts: z.array(hostSchema),
});

async function setApproval(ctx: Ctx, service: string, device: string, approved: boolean) {
  const api = ctx.tailscale.services;
  const id = await resolveDeviceId(ctx, device);
  const names = await deviceNames(ctx);
  const hosts = await api.hosts(ctx, service, names);
  if (!hosts.some((h) => h.device === id)) {
    throw rejected(
      `Device ${id} does not advertise ${service}${hosts.length ? ` (its hosts: ${hosts.map((h) => h.name || h.device).join(', ')})` : ' (it has no hosts yet)'}; on that device run \`tailscale serve --service=${service} …\` first.`,
    );
  }
  if (!approved) {
    const status = await ctx.tailscale.local.status({ peers: false, signal: ctx.signal }).catch(() => ({}));
    const self = pickString(asRecord((status as Record<string, unknown>).Self), 'ID');
    if (!self || self === id)
      await refuseIfFrontsGateway(ctx, service, `withdraw this node's approval for ${service}`);
  }
  const result = await api.setApproval(ctx, service, id, approved);
  return { service, device: id, ...result, hosts: await api.hosts(ctx, service, names) };
}

export const serviceApprove = tailscaleTool({
  ...write,
  name: 'tailscale_service_approve',
  title: 'Tailscale: Approve a Service host',
  description:
    'Approve a device that advertises a Service, so it starts taking the Service traffic (as the admin console Approve does). The device must already advertise it.',
  input: approvalInput,
  output: approvalOutput,
  summarize: ({ service, device }) =>
    `Approve device ${device} as a host of ${service} (it starts taking its traffic).`,
  handler: ({ service, device }, ctx) => setApproval(ctx, service, device, true),
});

export const serviceUnapprove = tailscaleTool({
  ...write,
  name: 'tailscale_service_unapprove',
  title: 'Tailscale: Withdraw a Service host approval',
  description:
    "Withdraw a host's approval for a Service: it stops taking the Service traffic. To stop a host gracefully, drain it on the host instead (tailscale_service_drain).",
  input: approvalInput,
  output: approvalOutput,
  summarize: ({ service, device }) =>
    `Withdraw device ${device}'s approval for ${service} (it stops taking its traffic).`,
  handler: ({ service, device }, ctx) => setApproval(ctx, service, device, false),
});

export const serviceAdminTools = [
  serviceList,
  serviceGet,
  serviceCreate,
  serviceUpdate,
  serviceDelete,
  serviceApprove,
  serviceUnapprove,
];

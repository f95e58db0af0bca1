import { isIP } from 'node:net';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { asRecord, pickStrings } from '../../tailscale/localapi.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';
import { deviceNotFound, resolveDeviceId } from './device-api.ts';
import { deviceRef } from './devices.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

const cidr = z
  .string()
  .refine((value) => {
    const [address, prefix, ...rest] = value.split('/');
    const family = isIP(address ?? '');
    const bits = Number(prefix);
    return (
      rest.length === 0 && family !== 0 && /^\d+$/.test(prefix ?? '') && bits <= (family === 4 ? 32 : 128)
    );
  }, 'a CIDR prefix such as 192.168.1.0/24 or 0.0.0.0/0')
  .describe('CIDR prefix');

const routesOutput = z.object({
  device: z.string(),
  advertised: z.array(z.string()).describe('Routes the device offers'),
  enabled: z.array(z.string()).describe('Routes approved now'),
  pending: z.array(z.string()).describe('Advertised but not approved'),
});

const changeOutput = routesOutput.extend({
  enabled_before: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

async function readRoutes(ctx: Ctx, id: string) {
  const { value } = await ctx.tailscale.admin.json({
    path: `/device/${encodeURIComponent(id)}/routes`,
    action: `read the routes of device ${id}`,
    scope: 'devices:routes:read',
    notFound: deviceNotFound(id),
    signal: ctx.signal,
  });
  const body = asRecord(value);
  return { advertised: pickStrings(body, 'advertisedRoutes'), enabled: pickStrings(body, 'enabledRoutes') };
}

function describeRoutes(id: string, advertised: string[], enabled: string[]) {
  return { device: id, advertised, enabled, pending: advertised.filter((r) => !enabled.includes(r)) };
}

/** The API's POST replaces the whole enabled set, so every change is read → compute → write. */
async function writeRoutes(ctx: Ctx, id: string, routes: string[]) {
  const { value } = await ctx.tailscale.admin.json({
    method: 'POST',
    path: `/device/${encodeURIComponent(id)}/routes`,
    body: { routes },
    idempotent: true, // it sets the full list: sending it twice gives the same state
    action: `set the enabled routes of device ${id}`,
    scope: 'devices:routes',
    notFound: deviceNotFound(id),
    signal: ctx.signal,
  });
  return pickStrings(asRecord(value), 'enabledRoutes');
}

export const routesGet = tailscaleTool({
  name: 'tailscale_routes_get',
  title: 'Tailscale: Get device routes',
  description:
    'Subnet and exit-node routes a device advertises, which of them are enabled, and which await approval.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ device: deviceRef }),
  output: routesOutput,
  handler: async ({ device }, ctx) => {
    const id = await resolveDeviceId(ctx, device);
    const { advertised, enabled } = await readRoutes(ctx, id);
    return describeRoutes(id, advertised, enabled);
  },
});

export const routesEnable = tailscaleTool({
  name: 'tailscale_routes_enable',
  title: 'Tailscale: Enable device routes',
  description:
    'Approve routes a device advertises. Additive: the routes already enabled stay enabled, unless replace is true (then exactly the given routes are enabled). Routes the device does not advertise are refused.',
  permission: 'tailscale:write',
  risk: 'high',
  openWorld: true,
  input: z.object({
    device: deviceRef,
    routes: z.array(cidr).min(1).max(100).describe('Routes to enable, e.g. ["192.168.1.0/24"]'),
    replace: z.boolean().default(false).describe('Replace the enabled set instead of adding to it'),
  }),
  output: changeOutput,
  summarize: ({ device, routes, replace }) =>
    `${replace ? 'Set the enabled routes of' : 'Enable routes on'} ${device}: ${routes.join(', ')}${replace ? ' (others are disabled)' : ''}.`,
  handler: async ({ device, routes, replace }, ctx) => {
    const id = await resolveDeviceId(ctx, device);
    const before = await readRoutes(ctx, id);
    const unknown = routes.filter((r) => !before.advertised.includes(r));
    if (unknown.length > 0) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Device ${id} does not advertise ${unknown.join(', ')} (it advertises ${before.advertised.join(', ') || 'nothing'}); advertise them on the device first (tailscale set --advertise-routes).`,
      );
    }
    const next = replace ? [...new Set(routes)] : [...new Set([...before.enabled, ...routes])];
    const enabled = await writeRoutes(ctx, id, next);
    return {
      ...describeRoutes(id, before.advertised, enabled),
      enabled_before: before.enabled,
      added: enabled.filter((r) => !before.enabled.includes(r)),
      removed: before.enabled.filter((r) => !enabled.includes(r)),
    };
  },
});

export const routesDisable = tailscaleTool({
  name: 'tailscale_routes_disable',
  title: 'Tailscale: Disable device routes',
  description: 'Withdraw approval of some routes of a device; its other enabled routes stay enabled.',
  permission: 'tailscale:write',
  risk: 'high',
  openWorld: true,
  input: z.object({
    device: deviceRef,
    routes: z.array(cidr).min(1).max(100).describe('Routes to disable, e.g. ["192.168.1.0/24"]'),
  }),
  output: changeOutput,
  summarize: ({ device, routes }) => `Disable routes on ${device}: ${routes.join(', ')}.`,
  handler: async ({ device, routes }, ctx) => {
    const id = await resolveDeviceId(ctx, device);
    const before = await readRoutes(ctx, id);
    const next = before.enabled.filter((r) => !routes.includes(r));
    const enabled = next.length === before.enabled.length ? before.enabled : await writeRoutes(ctx, id, next);
    return {
      ...describeRoutes(id, before.advertised, enabled),
      enabled_before: before.enabled,
      added: [],
      removed: before.enabled.filter((r) => !enabled.includes(r)),
    };
  },
});

export const routeTools = [routesGet, routesEnable, routesDisable];

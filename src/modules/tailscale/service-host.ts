import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';
import {
  addServiceEndpoint,
  describeServices,
  frontsGateway,
  type LocalService,
  localServiceSchema,
  PROTOCOLS,
  removeService,
  serviceFrontsGateway,
} from './service-config.ts';
import { serviceName } from './services-api.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

/**
 * This node as a Service host, through the LocalAPI as the CLI does it:
 * `tailscale serve --service=svc:<name> …` writes the Service's part of the
 * serve config (with If-Match) and adds the name to the `AdvertiseServices`
 * preference; `serve advertise` / `serve drain` only add or remove the name
 * (PATCH prefs with AdvertiseServicesSet, so no other preference changes);
 * `serve clear` removes the configuration.
 */
const write = { permission: 'tailscale:write' as const, risk: 'high' as const };
const output = z.object({ service: localServiceSchema });

async function advertised(ctx: Ctx): Promise<string[]> {
  return pickStrings(await ctx.tailscale.local.prefs(ctx.signal), 'AdvertiseServices');
}

async function setAdvertised(ctx: Ctx, names: string[]): Promise<string[]> {
  const prefs = await ctx.tailscale.local.editPrefs(
    { AdvertiseServices: names, AdvertiseServicesSet: true },
    ctx.signal,
  );
  return pickStrings(prefs, 'AdvertiseServices');
}

/** The advertised Services with `service` among them (added when it was not). */
async function advertiseToo(ctx: Ctx, service: string): Promise<string[]> {
  const current = await advertised(ctx);
  return current.includes(service) ? current : setAdvertised(ctx, [...current, service]);
}

/** Only a tagged node can host a Service; the tailnet's MagicDNS suffix names its web endpoints. */
async function hostIdentity(ctx: Ctx): Promise<{ suffix: string }> {
  const status = await ctx.tailscale.local.status({ peers: false, signal: ctx.signal });
  const tags = pickStrings(asRecord(status.Self), 'Tags');
  if (tags.length === 0) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      'Only a tagged node can host a Tailscale Service, and this one has no tags. Tag it first (tailscale up --advertise-tags=tag:<name>, with the tag owned in the policy file).',
    );
  }
  const suffix =
    pickString(asRecord(status.CurrentTailnet), 'MagicDNSSuffix') || pickString(status, 'MagicDNSSuffix');
  if (!suffix) {
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      "tailscaled did not report the tailnet's MagicDNS suffix; is it logged in (tailscale_status)?",
    );
  }
  return { suffix };
}

function shown(config: Record<string, unknown>, names: string[], service: string): LocalService {
  return (
    describeServices(config, names).find((s) => s.name === service) ?? {
      name: service,
      advertised: false,
      tun: false,
      endpoints: [],
    }
  );
}

async function configFor(ctx: Ctx, service: string) {
  const { config, etag } = await ctx.tailscale.local.serveConfig(ctx.signal);
  const configured = service in asRecord(config.Services);
  return { config, etag, configured };
}

export const serviceServe = tailscaleTool({
  ...write,
  name: 'tailscale_service_serve',
  title: 'Tailscale: Host a Service on this node',
  description:
    "Make this node a host of a Service: map one of the Service's ports to a service on this host's loopback port (https/http with a path, or raw tcp) and advertise it, as `tailscale serve --service=svc:<name>` does. It takes traffic once an admin (or an autoApprovers rule) approves it. The node must be tagged.",
  input: z.object({
    service: serviceName,
    local_port: z.number().int().min(1).max(65535).describe('Port of the service on 127.0.0.1'),
    protocol: z.enum(PROTOCOLS).default('https').describe('https (TLS by Tailscale), http, or raw tcp'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('Port of the Service (default: 443 for https, 80 for http; required for tcp)'),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a URL path starting with /')
      .max(200)
      .default('/')
      .describe('URL path to mount (https/http only)'),
    replace: z
      .boolean()
      .default(false)
      .describe('Point an existing mapping of this port/path at the new port'),
  }),
  output,
  summarize: ({ service, local_port, protocol, port, path }) =>
    `Host ${service} on this node: ${protocol} port ${port ?? (protocol === 'http' ? 80 : 443)}${protocol === 'tcp' ? '' : path} → 127.0.0.1:${local_port}, and advertise it.`,
  handler: async ({ service, local_port, protocol, port, path, replace }, ctx) => {
    if (protocol === 'tcp' && port === undefined)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        'A tcp endpoint needs port (the Service port to forward).',
      );
    if (protocol === 'tcp' && path !== '/')
      throw new GatewayError('ERR_INPUT_REJECTED', 'A tcp endpoint has no path; leave path out.');
    const { suffix } = await hostIdentity(ctx);
    const { config, etag } = await ctx.tailscale.local.serveConfig(ctx.signal);
    const next = addServiceEndpoint(
      config,
      service,
      suffix,
      {
        protocol,
        port: port ?? (protocol === 'http' ? 80 : 443),
        path: protocol === 'tcp' ? '' : path,
        target: protocol === 'tcp' ? `127.0.0.1:${local_port}` : `http://127.0.0.1:${local_port}`,
      },
      { replace, gatewayListen: ctx.tailscale.gatewayListen },
    );
    await ctx.tailscale.local.setServeConfig(next, etag, ctx.signal);
    const names = await advertiseToo(ctx, service);
    return { service: shown(next, names, service) };
  },
});

export const serviceAdvertise = tailscaleTool({
  ...write,
  name: 'tailscale_service_advertise',
  title: 'Tailscale: Advertise a Service from this node',
  description:
    'Offer this node as a host of a Service again (after a drain), as `tailscale serve advertise svc:<name>` does. The Service must be configured here (tailscale_service_serve).',
  input: z.object({ service: serviceName }),
  output,
  summarize: ({ service }) => `Advertise ${service} from this node (it takes traffic again once approved).`,
  handler: async ({ service }, ctx) => {
    await hostIdentity(ctx);
    const { config, configured } = await configFor(ctx, service);
    if (!configured) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `This node has no configuration for ${service}; map a port with tailscale_service_serve (which also advertises it).`,
      );
    }
    const names = await advertiseToo(ctx, service);
    return { service: shown(config, names, service) };
  },
});

export const serviceDrain = tailscaleTool({
  ...write,
  name: 'tailscale_service_drain',
  title: 'Tailscale: Drain a Service on this node',
  description:
    'Stop this node taking new connections for a Service (existing ones finish), as `tailscale serve drain svc:<name>` does. Its configuration stays, for a later advertise or clear.',
  input: z.object({ service: serviceName }),
  output,
  summarize: ({ service }) => `Drain ${service} on this node (no new connections reach it here).`,
  handler: async ({ service }, ctx) => {
    const { config } = await configFor(ctx, service);
    if (serviceFrontsGateway(config, service, ctx.tailscale.gatewayListen)) throw frontsGateway(service);
    const current = await advertised(ctx);
    if (!current.includes(service)) {
      throw new GatewayError('ERR_NOT_FOUND', `This node does not advertise ${service}; nothing to drain.`);
    }
    const names = await setAdvertised(
      ctx,
      current.filter((n) => n !== service),
    );
    return { service: shown(config, names, service) };
  },
});

export const serviceClear = tailscaleTool({
  ...write,
  name: 'tailscale_service_clear',
  title: "Tailscale: Remove a Service's configuration from this node",
  description:
    'Remove every port mapping of a Service from this node, as `tailscale serve clear svc:<name>` does. Refused while the node still advertises it: drain first (tailscale_service_drain) so open connections can finish.',
  input: z.object({ service: serviceName }),
  output,
  summarize: ({ service }) => `Remove ${service}'s configuration from this node.`,
  handler: async ({ service }, ctx) => {
    const { config, etag } = await configFor(ctx, service);
    if (serviceFrontsGateway(config, service, ctx.tailscale.gatewayListen)) throw frontsGateway(service);
    const names = await advertised(ctx);
    if (names.includes(service)) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `This node still advertises ${service}; drain it first (tailscale_service_drain), let open connections finish, then clear.`,
      );
    }
    const next = removeService(config, service);
    await ctx.tailscale.local.setServeConfig(next, etag, ctx.signal);
    return { service: shown(next, names, service) };
  },
});

export const serviceHostTools = [serviceServe, serviceAdvertise, serviceDrain, serviceClear];

/** The Services part of tailscale_serve_status. */
export async function localServices(ctx: Ctx, config: Record<string, unknown>): Promise<LocalService[]> {
  return describeServices(config, await advertised(ctx));
}

import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';
import { addMapping, describeServe, removeMapping, targetsGateway } from './serve-config.ts';
import { localServiceSchema } from './service-config.ts';
import { localServices } from './service-host.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

const mapping = z.object({
  host: z.string(),
  port: z.number().int(),
  path: z.string(),
  target: z.string(),
  funnel: z.boolean().describe('Reachable from the public internet'),
});
const statusOutput = z.object({
  mappings: z.array(mapping),
  tcp: z.array(z.object({ port: z.number().int(), target: z.string(), terminate_tls: z.boolean() })),
});

const httpsPort = z
  .union([z.literal(443), z.literal(8443), z.literal(10000)])
  .default(443)
  .describe('Public HTTPS port on the tailnet name: 443, 8443 or 10000 (the ports Funnel allows)');
const servePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a URL path starting with /')
  .max(200)
  .default('/')
  .describe('URL path to mount, e.g. "/" or "/grafana"');

/** This node's MagicDNS name, the host part of every Serve mapping. */
async function selfHost(ctx: Ctx): Promise<string> {
  const status = await ctx.tailscale.local.status({ peers: false, signal: ctx.signal });
  const host = pickString(asRecord(status.Self), 'DNSName').replace(/\.$/, '');
  if (!host) {
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      "tailscaled did not report this node's DNS name; is it logged in (tailscale_status)?",
    );
  }
  return host;
}

/** Read, change and write the serve config under its ETag, so a concurrent change is never lost. */
async function editServe(
  ctx: Ctx,
  edit: (config: Record<string, unknown>, host: string) => Record<string, unknown>,
) {
  const host = await selfHost(ctx);
  const { config, etag } = await ctx.tailscale.local.serveConfig(ctx.signal);
  const next = edit(config, host);
  await ctx.tailscale.local.setServeConfig(next, etag, ctx.signal);
  return describeServe(next);
}

function refuseGatewayMapping(
  ctx: Ctx,
  config: Record<string, unknown>,
  host: string,
  port: number,
  path: string,
) {
  const current = describeServe(config).mappings.find(
    (m) => m.host === host && m.port === port && m.path === path,
  );
  if (current && targetsGateway(current.target, ctx.tailscale.gatewayListen)) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `https://${host}:${port}${path} is how callers reach this gateway (${current.target}); a tool may not remove or redirect it.`,
    );
  }
}

export const serveStatus = tailscaleTool({
  name: 'tailscale_serve_status',
  title: 'Tailscale: Serve and Funnel status',
  description:
    'What this node serves on the tailnet with Serve, which of it Funnel exposes to the internet, raw TCP forwards, and the Tailscale Services it hosts (advertised or drained).',
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({}),
  output: statusOutput.extend({ services: z.array(localServiceSchema) }),
  handler: async (_input, ctx) => {
    const { config } = await ctx.tailscale.local.serveConfig(ctx.signal);
    return { ...describeServe(config), services: await localServices(ctx, config) };
  },
});

export const serveEnable = tailscaleTool({
  name: 'tailscale_serve_enable',
  title: 'Tailscale: Serve a local port on the tailnet',
  description:
    "Proxy https://<this node>.<tailnet>.ts.net[:port]<path> to a service on this host's loopback port (tailnet only; not the internet).",
  permission: 'tailscale:write',
  risk: 'high',
  input: z.object({
    local_port: z.number().int().min(1).max(65535).describe('Port of the service on 127.0.0.1'),
    https_port: httpsPort,
    path: servePath,
    replace: z.boolean().default(false).describe('Point an existing mapping of this path at the new port'),
  }),
  output: statusOutput,
  summarize: ({ local_port, https_port, path }) =>
    `Serve http://127.0.0.1:${local_port} on the tailnet at port ${https_port}${path}.`,
  handler: ({ local_port, https_port, path, replace }, ctx) =>
    editServe(ctx, (config, host) => {
      if (replace) refuseGatewayMapping(ctx, config, host, https_port, path);
      return addMapping(config, host, https_port, path, `http://127.0.0.1:${local_port}`, replace);
    }),
});

export const serveDisable = tailscaleTool({
  name: 'tailscale_serve_disable',
  title: 'Tailscale: Stop serving a path',
  description: 'Remove one Serve mapping (and Funnel for it when it was the last path on that port).',
  permission: 'tailscale:write',
  risk: 'high',
  input: z.object({ https_port: httpsPort, path: servePath }),
  output: statusOutput,
  summarize: ({ https_port, path }) => `Stop serving port ${https_port}${path} on the tailnet.`,
  handler: ({ https_port, path }, ctx) =>
    editServe(ctx, (config, host) => {
      refuseGatewayMapping(ctx, config, host, https_port, path);
      return removeMapping(config, host, https_port, path);
    }),
});

function setFunnel(on: boolean) {
  return ({ https_port }: { https_port: number }, ctx: Ctx) =>
    editServe(ctx, (config, host) => {
      const hostPort = `${host}:${https_port}`;
      const served = describeServe(config).mappings.some((m) => m.host === host && m.port === https_port);
      if (on && !served) {
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          `Nothing is served on port ${https_port}; call tailscale_serve_enable first, then turn Funnel on for it.`,
        );
      }
      const next = structuredClone(config);
      const allow = { ...asRecord(next.AllowFunnel) };
      if (on) allow[hostPort] = true;
      else delete allow[hostPort];
      next.AllowFunnel = allow;
      return next;
    });
}

export const funnelEnable = tailscaleTool({
  name: 'tailscale_funnel_enable',
  title: 'Tailscale: Expose a served port to the internet (Funnel)',
  description:
    'Turn Funnel on for an HTTPS port this node already serves: everything mapped on that port becomes reachable from the PUBLIC INTERNET. The tailnet policy must grant the funnel attribute.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({ https_port: httpsPort }),
  output: statusOutput,
  summarize: ({ https_port }) => `Expose port ${https_port} of this node to the public internet with Funnel.`,
  handler: setFunnel(true),
});

export const funnelDisable = tailscaleTool({
  name: 'tailscale_funnel_disable',
  title: 'Tailscale: Stop Funnel on a port',
  description: 'Turn Funnel off for a port: its mappings stay on the tailnet but leave the public internet.',
  permission: 'tailscale:write',
  risk: 'high',
  input: z.object({ https_port: httpsPort }),
  output: statusOutput,
  summarize: ({ https_port }) => `Stop exposing port ${https_port} to the internet (tailnet Serve stays).`,
  handler: setFunnel(false),
});

export const serveTools = [serveStatus, serveEnable, serveDisable, funnelEnable, funnelDisable];

import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';
import { cloneConfig, targetsGateway } from './serve-config.ts';

/**
 * The `Services` part of tailscaled's serve config (ipn.ServeConfig): per
 * Service name an ipn.ServiceConfig with its own `TCP` (port → handler), `Web`
 * ("<label>.<tailnet suffix>:<port>" → mount → handler) and `Tun`. The node's
 * own `TCP`/`Web` (where the gateway's mapping lives) is never touched here.
 */
export const PROTOCOLS = ['https', 'http', 'tcp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const endpointSchema = z.object({
  port: z.number().int(),
  protocol: z.string().describe('https, http, tcp or tls-terminated-tcp'),
  path: z.string().describe('Mount point for http/https; empty for tcp'),
  target: z.string(),
});
export const localServiceSchema = z.object({
  name: z.string(),
  advertised: z.boolean().describe('This node offers itself as a host of the Service (not drained)'),
  tun: z.boolean().describe('All traffic is forwarded to this machine (TUN mode)'),
  endpoints: z.array(endpointSchema),
});
export type LocalService = z.infer<typeof localServiceSchema>;
type Endpoint = z.infer<typeof endpointSchema>;

function endpointsOf(service: Record<string, unknown>): Endpoint[] {
  const out: Endpoint[] = [];
  const web = asRecord(service.Web);
  for (const [port, raw] of Object.entries(asRecord(service.TCP))) {
    const handler = asRecord(raw);
    const forward = pickString(handler, 'TCPForward');
    if (forward) {
      const protocol = pickString(handler, 'TerminateTLS') ? 'tls-terminated-tcp' : 'tcp';
      out.push({ port: Number(port), protocol, path: '', target: forward });
      continue;
    }
    const protocol = handler.HTTP === true ? 'http' : 'https';
    for (const [hostPort, site] of Object.entries(web)) {
      if (hostPort.slice(hostPort.lastIndexOf(':') + 1) !== port) continue;
      for (const [path, h] of Object.entries(asRecord(asRecord(site).Handlers))) {
        const target = pickString(asRecord(h), 'Proxy') || pickString(asRecord(h), 'Path') || 'text';
        out.push({ port: Number(port), protocol, path, target });
      }
    }
  }
  return out.sort((a, b) => a.port - b.port || a.path.localeCompare(b.path));
}

/** Every Service this node has configuration for or advertises. */
export function describeServices(
  config: Record<string, unknown>,
  advertised: readonly string[],
): LocalService[] {
  const services = asRecord(config.Services);
  const names = new Set([...Object.keys(services), ...advertised]);
  return [...names].sort().map((name) => {
    const service = asRecord(services[name]);
    return {
      name,
      advertised: advertised.includes(name),
      tun: service.Tun === true,
      endpoints: endpointsOf(service),
    };
  });
}

/** Would removing or redirecting this Service's configuration cut callers off the gateway? */
export function serviceFrontsGateway(
  config: Record<string, unknown>,
  name: string,
  gatewayListen: string,
): boolean {
  const service = asRecord(asRecord(config.Services)[name]);
  return endpointsOf(service).some((e) =>
    targetsGateway(e.protocol.includes('tcp') ? `tcp://${e.target}` : e.target, gatewayListen),
  );
}

export interface NewEndpoint {
  protocol: Protocol;
  port: number;
  path: string;
  /** http://127.0.0.1:<port> for web, 127.0.0.1:<port> for tcp. */
  target: string;
}

/** What `tailscale serve --service=<name> --<protocol>=<port> [--set-path <path>] <target>` writes. */
export function addServiceEndpoint(
  config: Record<string, unknown>,
  name: string,
  magicDnsSuffix: string,
  endpoint: NewEndpoint,
  options: { replace: boolean; gatewayListen: string },
): Record<string, unknown> {
  const next = cloneConfig(config);
  const services = asRecord(next.Services);
  const service = asRecord(services[name]);
  if (service.Tun === true) {
    throw new GatewayError(
      'ERR_CONFLICT',
      `${name} is served in TUN mode here; it cannot take port mappings.`,
    );
  }
  const tcp = asRecord(service.TCP);
  const current = asRecord(tcp[String(endpoint.port)]);
  const currentKind = pickString(current, 'TCPForward')
    ? 'tcp'
    : current.HTTP
      ? 'http'
      : current.HTTPS
        ? 'https'
        : '';
  const conflict = (message: string) => new GatewayError('ERR_CONFLICT', message);
  if (currentKind && currentKind !== endpoint.protocol) {
    throw conflict(
      `Port ${endpoint.port} of ${name} already serves ${currentKind}; remove it first (tailscale_service_clear after a drain) or pick another port.`,
    );
  }
  const web = asRecord(service.Web);
  if (endpoint.protocol === 'tcp') {
    const existing = pickString(current, 'TCPForward');
    if (existing && existing !== endpoint.target) {
      if (!options.replace)
        throw conflict(
          `Port ${endpoint.port} of ${name} already forwards to ${existing}; pass replace: true to point it at ${endpoint.target}.`,
        );
      if (serviceFrontsGateway(config, name, options.gatewayListen)) throw frontsGateway(name);
    }
    tcp[String(endpoint.port)] = { TCPForward: endpoint.target };
  } else {
    const hostPort = `${name.slice('svc:'.length)}.${magicDnsSuffix}:${endpoint.port}`;
    const site = asRecord(web[hostPort]);
    const handlers = asRecord(site.Handlers);
    const h = asRecord(handlers[endpoint.path]);
    const existing = pickString(h, 'Proxy') || pickString(h, 'Path') || (h.Text ? 'text' : '');
    if (existing && existing !== endpoint.target) {
      if (!options.replace)
        throw conflict(
          `${endpoint.protocol}://${hostPort}${endpoint.path} already serves ${existing}; pass replace: true to point it at ${endpoint.target}.`,
        );
      if (targetsGateway(existing, options.gatewayListen)) throw frontsGateway(name);
    }
    handlers[endpoint.path] = { Proxy: endpoint.target };
    web[hostPort] = { ...site, Handlers: handlers };
    tcp[String(endpoint.port)] = endpoint.protocol === 'http' ? { HTTP: true } : { HTTPS: true };
    service.Web = web;
  }
  service.TCP = tcp;
  services[name] = service;
  next.Services = services;
  return next;
}

/** What `tailscale serve clear <name>` writes: the Service's whole configuration gone. */
export function removeService(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const next = cloneConfig(config);
  const services = asRecord(next.Services);
  if (!(name in services)) {
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `This node has no configuration for ${name}; see tailscale_serve_status.`,
    );
  }
  delete services[name];
  next.Services = services;
  return next;
}

export function frontsGateway(name: string): GatewayError {
  return new GatewayError(
    'ERR_POLICY_DENIED',
    `${name} forwards to this gateway's own listener: callers reach the gateway through it, so a tool may not drain, remove or redirect it.`,
  );
}

import { GatewayError } from '../../errors.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';

/** One HTTP(S) mapping of Serve: https://<host>:<port><path> → target. */
export interface ServeMapping {
  host: string;
  port: number;
  path: string;
  /** Proxy URL, file path, or "text" for a static text handler. */
  target: string;
  funnel: boolean;
}

export interface TcpForward {
  port: number;
  target: string;
  terminate_tls: boolean;
}

export function describeServe(config: Record<string, unknown>): {
  mappings: ServeMapping[];
  tcp: TcpForward[];
} {
  const funnel = asRecord(config.AllowFunnel);
  const mappings: ServeMapping[] = [];
  for (const [hostPort, web] of Object.entries(asRecord(config.Web))) {
    const split = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, split);
    const port = Number(hostPort.slice(split + 1));
    for (const [path, raw] of Object.entries(asRecord(asRecord(web).Handlers))) {
      const handler = asRecord(raw);
      const target =
        pickString(handler, 'Proxy') || pickString(handler, 'Path') || (handler.Text ? 'text' : 'unknown');
      mappings.push({ host, port, path, target, funnel: funnel[hostPort] === true });
    }
  }
  const tcp: TcpForward[] = [];
  for (const [port, raw] of Object.entries(asRecord(config.TCP))) {
    const entry = asRecord(raw);
    const target = pickString(entry, 'TCPForward');
    if (target)
      tcp.push({ port: Number(port), target, terminate_tls: pickString(entry, 'TerminateTLS') !== '' });
  }
  return { mappings, tcp };
}

/** Does a proxy target point at the gateway's own listener (so removing it would cut callers off)? */
export function targetsGateway(target: string, gatewayListen: string): boolean {
  try {
    const url = new URL(target);
    const port = gatewayListen.slice(gatewayListen.lastIndexOf(':') + 1);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'];
    const listenHost = gatewayListen.slice(0, gatewayListen.lastIndexOf(':'));
    return url.port === port && (loopback.includes(url.hostname) || url.hostname === listenHost);
  } catch {
    return false;
  }
}

/** A deep copy to edit, so a failed write leaves nothing half-changed in memory. */
export function cloneConfig(config: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return structuredClone(config) as Record<string, Record<string, unknown>>;
}

export function addMapping(
  config: Record<string, unknown>,
  host: string,
  port: number,
  path: string,
  proxy: string,
  replace: boolean,
): Record<string, unknown> {
  const next = cloneConfig(config);
  const hostPort = `${host}:${port}`;
  const tcp = asRecord(next.TCP);
  const existingTcp = asRecord(tcp[String(port)]);
  if (pickString(existingTcp, 'TCPForward')) {
    throw new GatewayError('ERR_CONFLICT', `Port ${port} already forwards raw TCP; pick another HTTPS port.`);
  }
  tcp[String(port)] = { ...existingTcp, HTTPS: true };
  next.TCP = tcp;
  const web = asRecord(next.Web);
  const site = asRecord(web[hostPort]);
  const handlers = asRecord(site.Handlers);
  const current = asRecord(handlers[path]);
  const currentTarget = pickString(current, 'Proxy') || pickString(current, 'Path');
  if (currentTarget && currentTarget !== proxy && !replace) {
    throw new GatewayError(
      'ERR_CONFLICT',
      `https://${hostPort}${path} already serves ${currentTarget}; pass replace: true to point it at ${proxy} instead.`,
    );
  }
  handlers[path] = { Proxy: proxy };
  web[hostPort] = { ...site, Handlers: handlers };
  next.Web = web;
  return next;
}

export function removeMapping(config: Record<string, unknown>, host: string, port: number, path: string) {
  const next = cloneConfig(config);
  const hostPort = `${host}:${port}`;
  const web = asRecord(next.Web);
  const handlers = asRecord(asRecord(web[hostPort]).Handlers);
  if (!(path in handlers)) {
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `Nothing is served at https://${hostPort}${path}; see tailscale_serve_status.`,
    );
  }
  delete handlers[path];
  if (Object.keys(handlers).length === 0) {
    // The last handler of a site: drop the site, its listener and its funnel flag with it.
    delete web[hostPort];
    delete asRecord(next.TCP)[String(port)];
    delete asRecord(next.AllowFunnel)[hostPort];
  }
  return next;
}

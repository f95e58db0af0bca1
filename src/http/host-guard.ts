import { hostname, networkInterfaces } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import { parseListen } from '../util/listen.ts';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Host names the gateway may legitimately be addressed by (lower case, no port). */
export function allowedHostNames(config: Pick<Config, 'listen' | 'public_url' | 'extra_hosts'>): Set<string> {
  const names = new Set<string>(LOOPBACK_NAMES);
  const { host } = parseListen(config.listen);
  if (WILDCARDS.has(host)) {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) names.add(a.address.toLowerCase());
    }
  } else {
    names.add(host.toLowerCase());
  }
  if (config.public_url) names.add(new URL(config.public_url).hostname.toLowerCase());
  for (const extra of config.extra_hosts) names.add(extra.toLowerCase());
  return names;
}

/** "host:port", "[::1]:8080" or "host" → "host" (lower case, brackets removed). */
export function hostNameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

function originAllowed(origin: string, hosts: Set<string>, origins: Set<string>): boolean {
  if (origins.has(origin.toLowerCase().replace(/\/$/, ''))) return true;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      hosts.has(url.hostname.replace(/^\[|\]$/g, ''))
    );
  } catch {
    return false;
  }
}

/**
 * DNS-rebinding protection: the Host header must name this gateway, and an
 * Origin header, when present, must be the gateway itself or an allowed origin.
 */
export function hostGuard(config: Pick<Config, 'listen' | 'public_url' | 'extra_hosts' | 'allowed_origins'>) {
  const hosts = allowedHostNames(config);
  const origins = new Set(config.allowed_origins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const host = request.headers.host;
    if (!host || !hosts.has(hostNameOf(host))) {
      return reply.code(403).send({
        error: 'forbidden_host',
        message: `Host "${host ?? ''}" is not a name this gateway answers to. Add it to extra_hosts (or set public_url) if it is legitimate.`,
      });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, hosts, origins)) {
      return reply.code(403).send({
        error: 'forbidden_origin',
        message: `Origin "${origin}" is not allowed. Add it to allowed_origins if this browser client is legitimate.`,
      });
    }
  };
}

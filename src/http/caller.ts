import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { isTailnetAddress } from '../auth/tailnet-verifier.ts';
import { isLoopbackAddress } from '../util/listen.ts';

/** Headers a proxy adds when it relays a request (`tailscale serve` sets the first and the last). */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'tailscale-user-login'];

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A request from this host itself, not relayed by a proxy such as `tailscale serve`. */
export function isDirectLoopback(request: FastifyRequest): boolean {
  return isLoopbackAddress(request.ip) && !FORWARDING_HEADERS.some((h) => request.headers[h] !== undefined);
}

/**
 * The first 64 bits of an IPv6 address: one end site usually holds a whole /64, so
 * counting per address would let one visitor spread its failures over 2^64 keys.
 */
function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - width(h) - width(t)).fill('0'), ...t];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** An address as a limit key: IPv4 as is, tailnet IPv6 per node, other IPv6 per /64. */
function addressKey(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.)/i, '');
  if (isIP(plain) !== 6 || isTailnetAddress(plain)) return `addr:${plain.toLowerCase()}`;
  return `addr:${ipv6Prefix64(plain)}`;
}

/**
 * What identifies the real caller of a request, for counting its failed sign-ins:
 *
 * - behind `tailscale serve` with `auth.tailnet.behind_serve` (the only place the
 *   gateway trusts `Tailscale-User-Login`, and only from a loopback peer): the
 *   tailnet user;
 * - relayed by a local proxy (a loopback peer that sent `X-Forwarded-For`): the
 *   address that proxy saw. `tailscale serve` replaces any X-Forwarded-For a client
 *   sent with the one address it accepted the connection from (a Funnel visitor's
 *   public address included); other proxies append theirs, so the last entry is
 *   the one the proxy itself wrote. Only a process on this host could forge it, and
 *   all it would gain is spreading its own failures over more keys;
 * - otherwise the connection's address.
 *
 * The key only decides whose failures are counted together. It never identifies
 * anyone: authentication does not look at it.
 */
export function callerKey(request: FastifyRequest, trustServeIdentity: boolean): string {
  if (!isLoopbackAddress(request.ip)) return addressKey(request.ip);
  const login = first(request.headers['tailscale-user-login'])?.trim();
  if (trustServeIdentity && login) return `tailnet-user:${login.toLowerCase()}`;
  const forwarded = first(request.headers['x-forwarded-for'])?.split(',').at(-1)?.trim();
  if (forwarded && isIP(forwarded)) return addressKey(forwarded);
  return addressKey(request.ip);
}

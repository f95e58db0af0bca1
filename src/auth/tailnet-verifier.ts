import { isIP } from 'node:net';
import type { Config } from '../config/schema.ts';
import { GatewayError, isGatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { isPermission } from '../policy/permissions.ts';
import { LocalApiClient, type WhoIs } from '../tailscale/localapi.ts';
import { isLoopbackAddress } from '../util/listen.ts';
import type { Principal } from './principal.ts';
import { buildPrincipal, claimStrings, mapRoles } from './role-mapping.ts';
import { VerificationCache } from './token-cache.ts';
import {
  type AuthRequest,
  accepted,
  type HealthReport,
  NOT_MINE,
  type Verifier,
  type VerifyResult,
} from './verifier.ts';

/** Tailscale's address ranges: 100.64.0.0/10 and fd7a:115c:a1e0::/48. */
export function isTailnetAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/, '').toLowerCase();
  if (isIP(a) === 4) {
    const [first, second] = a.split('.').map(Number) as [number, number];
    return first === 100 && second >= 64 && second <= 127;
  }
  return isIP(a) === 6 && a.startsWith('fd7a:115c:a1e0:');
}

/** Every grant object under the capability, merged: roles and permissions from all of them. */
export function mergeGrants(grants: readonly unknown[]): { roles: string[]; permissions: string[] } {
  const roles = new Set<string>();
  const permissions = new Set<string>();
  for (const grant of grants) {
    if (grant === null || typeof grant !== 'object') continue;
    const g = grant as Record<string, unknown>;
    for (const role of claimStrings(g.roles)) roles.add(role);
    for (const permission of claimStrings(g.permissions)) permissions.add(permission);
  }
  return { roles: [...roles], permissions: [...permissions] };
}

/**
 * Mode `tailnet`: a request without an Authorization header from a tailnet
 * address is identified by asking the local tailscaled who that address is.
 * Behind `tailscale serve` (opt-in), the Tailscale-User-Login header is trusted
 * from loopback peers only, since anyone else could simply send it.
 */
export class TailnetVerifier implements Verifier {
  readonly mode = 'tailnet';
  private readonly config: Config;
  private readonly log: Logger;
  private readonly localApi: LocalApiClient;
  private readonly cache = new VerificationCache<Principal | null>({ maxEntries: 4096 });
  private lastFailure: string | undefined;

  constructor(config: Config, log: Logger, localApi?: LocalApiClient) {
    this.config = config;
    this.log = log.child({ auth: 'tailnet' });
    const { socket, timeout } = config.auth.tailnet;
    this.localApi = localApi ?? new LocalApiClient({ socketPath: socket, timeoutMs: timeout });
  }

  async verify(request: AuthRequest): Promise<VerifyResult> {
    if (request.hasAuthorization) return NOT_MINE;
    const peer = request.remoteAddress;
    if (isLoopbackAddress(peer)) return this.behindServe(request);
    if (!isTailnetAddress(peer)) return NOT_MINE;
    const address = peer.replace(/^::ffff:/, '');
    const principal = await this.cache.resolve(`whois:${address}`, async () => ({
      value: await this.whois(address),
      ttlMs: this.config.auth.tailnet.cache_ttl,
    }));
    return principal ? accepted(principal) : NOT_MINE;
  }

  health(): HealthReport {
    return this.lastFailure
      ? { status: 'degraded', detail: `tailscaled unreachable: ${this.lastFailure}` }
      : { status: 'ok' };
  }

  private behindServe(request: AuthRequest): VerifyResult {
    const header = request.headers['tailscale-user-login'];
    const login = Array.isArray(header) ? header[0] : header;
    if (!this.config.auth.tailnet.behind_serve || !login) return NOT_MINE;
    const roles = mapRoles(this.config, { identities: [login] });
    return accepted(
      buildPrincipal(this.config, { kind: 'tailnet', id: `tailnet:${login}`, name: login, login, roles }),
    );
  }

  private async whois(address: string): Promise<Principal | null> {
    let who: WhoIs;
    try {
      who = await this.localApi.whois(address);
      if (this.lastFailure) this.log.info('tailscaled reachable again');
      this.lastFailure = undefined;
    } catch (error) {
      if (isGatewayError(error) && error.code === 'ERR_NOT_FOUND') return null;
      const message = error instanceof Error ? error.message : String(error);
      if (!this.lastFailure)
        this.log.warn({ err: message }, 'tailscaled unreachable: cannot identify tailnet callers');
      this.lastFailure = message;
      throw new GatewayError(
        'ERR_AUTH_UNAVAILABLE',
        'The local tailscaled cannot be asked who you are right now; retry shortly, or send a bearer token.',
        { cause: error, retryAfter: 5 },
      );
    }
    return this.principalOf(who);
  }

  private principalOf(who: WhoIs): Principal {
    const capability = this.config.auth.tailnet.capability;
    const granted = mergeGrants(who.capMap[capability] ?? []);
    const unknown = granted.permissions.filter((p) => !isPermission(p));
    if (unknown.length > 0)
      this.log.warn({ capability, unknown }, 'tailnet grant names unknown permissions; they are ignored');
    const tagged = who.tags.length > 0;
    const login = tagged ? undefined : who.loginName || undefined;
    const roles = mapRoles(this.config, {
      identities: [login],
      groups: who.tags,
      claimed: granted.roles,
    });
    return buildPrincipal(this.config, {
      kind: 'tailnet',
      id: tagged ? `tailnet:node:${who.nodeId}` : `tailnet:${login ?? who.nodeId}`,
      name: tagged ? `${who.nodeName} (${who.tags.join(', ')})` : (login ?? who.nodeName),
      login,
      roles,
      permissions: granted.permissions.filter(isPermission),
    });
  }
}

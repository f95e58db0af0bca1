import { decodeJwt } from 'jose';
import * as oauth from 'openid-client';
import type { Config } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Principal } from '../principal.ts';
import { buildPrincipal, canonicalResource, claimStrings, mapRoles } from '../role-mapping.ts';
import { tokenHash, VerificationCache } from '../token-cache.ts';
import {
  type AuthRequest,
  accepted,
  type HealthReport,
  NOT_MINE,
  rejected,
  type Verifier,
  type VerifyResult,
} from '../verifier.ts';
import { IssuerConnection, unavailable } from './issuer.ts';

type Outcome = { principal: Principal } | { reason: string };

const SIGN_IN_AGAIN = 'sign in again (your MCP client does this when it gets this 401)';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Problems with an introspection answer, or undefined when the token may be used here. */
export function introspectionProblem(
  answer: oauth.IntrospectionResponse,
  expected: { issuer: string; resource: string; skewS: number; nowS: number },
): string | undefined {
  if (answer.active !== true)
    return `The token is not active (expired, revoked, or unknown to ${expected.issuer}); ${SIGN_IN_AGAIN}.`;
  const { nowS, skewS } = expected;
  if (typeof answer.exp === 'number' && answer.exp + skewS <= nowS)
    return `The token has expired; ${SIGN_IN_AGAIN}.`;
  if (typeof answer.nbf === 'number' && answer.nbf - skewS > nowS) return 'The token is not valid yet (nbf).';
  if (answer.iss !== expected.issuer)
    return `The token was issued by ${str(answer.iss) ?? 'an unnamed issuer'}, not by ${expected.issuer}, which this gateway trusts.`;
  const audiences = claimStrings(answer.aud);
  if (audiences.length === 0)
    return `The token names no audience; the client must request it with resource=${expected.resource} (RFC 8707), or the identity provider grant must list that resource.`;
  if (!audiences.includes(expected.resource))
    return `The token was issued for another resource, not ${expected.resource}; sign in to this gateway's URL.`;
  if (!str(answer.sub)) return 'The token names no subject (sub); it is not a user token.';
  return undefined;
}

/**
 * Mode `oidc`: opaque access tokens checked by RFC 7662 introspection (TSIDP),
 * roles read from /userinfo. Results are cached by token hash; while the issuer
 * is down, cached principals keep working and new tokens get 503.
 */
export class IntrospectionVerifier implements Verifier {
  readonly mode = 'oidc';
  readonly resource: string;
  readonly connection: IssuerConnection;
  readonly cache: VerificationCache<Outcome>;
  private readonly config: Config;
  private readonly log: Logger;

  constructor(config: Config, log: Logger) {
    const oidc = config.auth.oidc;
    if (!oidc.issuer)
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        'auth mode "oidc" needs the issuer: set TAILWARDEN_OIDC_ISSUER (e.g. https://idp.example.ts.net).',
      );
    if (!config.public_url)
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        'auth mode "oidc" needs the public URL tokens are issued for: set TAILWARDEN_PUBLIC_URL (e.g. https://warden.example.ts.net).',
      );
    this.config = config;
    this.log = log.child({ auth: 'oidc' });
    this.resource = canonicalResource(config.public_url);
    this.connection = new IssuerConnection({
      issuer: oidc.issuer,
      clientId: oidc.client_id,
      clientSecret: oidc.client_secret,
      timeoutMs: oidc.timeout,
      refreshMs: oidc.discovery_refresh,
      retryMs: oidc.retry_interval,
      log: this.log,
    });
    this.cache = new VerificationCache({ maxEntries: oidc.cache_entries });
    this.connection.start();
  }

  async verify(request: AuthRequest): Promise<VerifyResult> {
    const token = request.bearer;
    if (!token || this.isSomeoneElsesJwt(token)) return NOT_MINE;
    const hash = tokenHash(token);
    if (request.localOnly && this.cache.get(hash) === undefined)
      return rejected(
        'This token is new to the gateway and your recent sign-ins failed too often to ask the issuer about it now; retry after the Retry-After time.',
      );
    const outcome = await this.cache.resolve(hash, () => this.check(token));
    return 'principal' in outcome ? accepted(outcome.principal) : rejected(outcome.reason);
  }

  health(): HealthReport {
    return this.connection.health();
  }

  close(): void {
    this.connection.close();
  }

  /** A JWT naming another issuer (a local token, a jwt-mode token) is not shown to this issuer. */
  private isSomeoneElsesJwt(token: string): boolean {
    if (token.split('.').length !== 3) return false;
    try {
      return decodeJwt(token).iss !== this.connection.issuer;
    } catch {
      return false;
    }
  }

  private async check(token: string): Promise<{ value: Outcome; ttlMs: number }> {
    const oidc = this.config.auth.oidc;
    const configuration = await this.connection.current();
    let answer: oauth.IntrospectionResponse;
    try {
      answer = await oauth.tokenIntrospection(configuration, token);
      this.connection.reportSuccess();
    } catch (error) {
      this.connection.reportFailure(error);
      throw unavailable(this.connection.issuer, error);
    }
    const nowMs = Date.now();
    const problem = introspectionProblem(answer, {
      issuer: configuration.serverMetadata().issuer,
      resource: this.resource,
      skewS: oidc.clock_skew / 1000,
      nowS: Math.floor(nowMs / 1000),
    });
    if (problem) return { value: { reason: problem }, ttlMs: oidc.negative_cache_ttl };

    const userinfo = await this.userinfo(configuration, token);
    const sub = answer.sub!;
    const login = str(answer.username) ?? str(answer.preferred_username) ?? str(userinfo.preferred_username);
    const email = str(answer.email) ?? str(userinfo.email);
    const roles = mapRoles(this.config, {
      identities: [login, email, sub, str(userinfo.sub)],
      groups: claimStrings(userinfo.groups),
      claimed: claimStrings(userinfo[oidc.roles_claim]),
    });
    const principal = buildPrincipal(this.config, {
      kind: 'oidc',
      id: `oidc:${answer.iss}#${sub}`,
      name: login ?? email ?? sub,
      login: login ?? email,
      email,
      clientId: str(answer.client_id),
      expiresAt: typeof answer.exp === 'number' ? answer.exp : undefined,
      roles,
    });
    const untilExpiry = typeof answer.exp === 'number' ? answer.exp * 1000 - nowMs : oidc.cache_ttl;
    return { value: { principal }, ttlMs: Math.min(oidc.cache_ttl, untilExpiry) };
  }

  /** The /userinfo claims (roles live there on TSIDP); an issuer that refuses gives none, one that is down is a 503. */
  private async userinfo(
    configuration: oauth.Configuration,
    token: string,
  ): Promise<Record<string, unknown>> {
    if (!this.config.auth.oidc.userinfo || !configuration.serverMetadata().userinfo_endpoint) return {};
    try {
      return await oauth.fetchUserInfo(configuration, token, oauth.skipSubjectCheck);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) {
        const status = (error as { status?: number }).status ?? 0;
        if (status < 500) {
          this.log.warn(
            { status, err: error.message },
            'userinfo refused the token: no roles from the claim',
          );
          return {};
        }
      }
      this.connection.reportFailure(error);
      throw unavailable(this.connection.issuer, error);
    }
  }
}

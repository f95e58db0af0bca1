import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { Config } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { isPermission } from '../policy/permissions.ts';
import type { JwtIssuerSettings } from './config.ts';
import { checkIssuerUrl } from './oidc/issuer.ts';
import { buildPrincipal, canonicalResource, claimStrings, mapRoles } from './role-mapping.ts';
import { accepted, type HealthReport, rejected, type VerifyResult } from './verifier.ts';

const FORBIDDEN_ALGORITHMS = new Set(['none', 'HS256', 'HS384', 'HS512']);
const SIGN_IN_AGAIN = 'sign in again';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** jose's network failures (timeouts, refused connections, bad JWKS responses) as opposed to bad tokens. */
function isUnreachable(error: unknown): boolean {
  if (!(error instanceof joseErrors.JOSEError)) return true; // fetch itself failed
  return ['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID'].includes(error.code);
}

function rejection(error: unknown, resource: string): string {
  if (error instanceof joseErrors.JWTExpired) return `The token has expired; ${SIGN_IN_AGAIN}.`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return `The token was issued for another audience, not ${resource}; configure the client/provider to issue it for this gateway.`;
    return `The token's "${error.claim}" claim is not acceptable (${error.reason}).`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm this gateway does not accept.';
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  )
    return "The token's signature does not verify against the issuer's keys.";
  return `The token is not valid (${(error as Error).message}).`;
}

/**
 * One JWT issuer: its own key set (jose caches it and re-reads it when a token names an unknown key, so
 * rotations just work), audience, algorithms and role mapping.
 */
export class JwtIssuer {
  readonly issuer: string;
  private readonly settings: JwtIssuerSettings;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly audience: string;
  private keys: JWTVerifyGetKey | undefined;
  private lastFailure: string | undefined;

  constructor(settings: JwtIssuerSettings, config: Config, log: Logger) {
    checkIssuerUrl(settings.issuer, `${settings.key}.issuer`);
    if (settings.jwks_uri) checkIssuerUrl(settings.jwks_uri, `${settings.key}.jwks_uri`);
    const bad = settings.algorithms.filter((a) => FORBIDDEN_ALGORITHMS.has(a));
    if (bad.length > 0)
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        `${settings.key}.algorithms must not contain ${bad.join(', ')}: use asymmetric algorithms.`,
      );
    if (!settings.audience && !config.public_url)
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        `auth mode "jwt" needs ${settings.key}.audience or TAILWARDEN_PUBLIC_URL.`,
      );
    this.settings = settings;
    this.config = config;
    this.issuer = settings.issuer;
    this.log = log;
    this.audience = settings.audience ?? canonicalResource(config.public_url!);
  }

  /** Verify a token whose (unverified) "iss" names this issuer, with this issuer's keys only. */
  async verify(token: string): Promise<VerifyResult> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: this.settings.algorithms,
        clockTolerance: this.config.auth.jwt.clock_skew / 1000,
        requiredClaims: ['exp', 'sub'],
      }));
      this.recovered();
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (isUnreachable(error)) throw this.unavailable(error);
      return rejected(rejection(error, this.audience));
    }
    return accepted(this.principal(payload));
  }

  health(): HealthReport {
    return this.lastFailure
      ? { status: 'degraded', detail: `issuer ${this.issuer} keys unreachable: ${this.lastFailure}` }
      : { status: 'ok' };
  }

  private principal(payload: JWTPayload) {
    const s = this.settings;
    const sub = payload.sub!;
    const login = str(payload.preferred_username) ?? str(payload.username);
    const email = str(payload.email);
    const scopes = [...claimStrings(payload.scope), ...claimStrings(payload.scp)];
    const mapping = { auth: { users: s.users, groups: s.groups, default_role: s.default_role } };
    return buildPrincipal(this.config, {
      kind: 'jwt',
      id: `jwt:${this.issuer}#${sub}`,
      name: login ?? email ?? sub,
      login: login ?? email,
      email,
      clientId: str(payload.client_id) ?? str(payload.azp),
      expiresAt: payload.exp,
      roles: mapRoles(mapping as Pick<Config, 'auth'>, {
        identities: [login, email, sub],
        groups: claimStrings(payload[s.groups_claim]),
        claimed: claimStrings(payload[s.roles_claim]),
      }),
      // Scope values that are gateway permission names grant those permissions; the rest (openid ...) nothing.
      permissions: scopes.filter(isPermission),
    });
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    const uri = this.settings.jwks_uri ?? (await this.discoverJwksUri());
    this.keys = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: this.config.auth.jwt.timeout,
      cooldownDuration: 30_000,
    });
    return this.keys;
  }

  private async discoverJwksUri(): Promise<string> {
    const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let metadata: { jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.config.auth.jwt.timeout) });
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
      metadata = (await res.json()) as { jwks_uri?: unknown };
    } catch (error) {
      throw this.unavailable(error);
    }
    if (typeof metadata.jwks_uri !== 'string')
      throw this.unavailable(new Error(`${url} names no jwks_uri; set ${this.settings.key}.jwks_uri`));
    return checkIssuerUrl(metadata.jwks_uri, 'jwks_uri').href;
  }

  private unavailable(error: unknown): GatewayError {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.lastFailure)
      this.log.warn({ issuer: this.issuer, err: message }, 'JWT issuer keys unreachable');
    this.lastFailure = message;
    return new GatewayError(
      'ERR_AUTH_UNAVAILABLE',
      `The signing keys of ${this.issuer} cannot be fetched, so your token cannot be checked right now; retry shortly.`,
      { cause: error, retryAfter: 5 },
    );
  }

  private recovered(): void {
    if (this.lastFailure) this.log.info({ issuer: this.issuer }, 'JWT issuer keys reachable again');
    this.lastFailure = undefined;
  }
}

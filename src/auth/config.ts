import { z } from 'zod';
import { bool, duration, int, list, optionalStr, section, str } from '../config/fields.ts';

/** Config sub-sections of `auth` for the identity modes oidc, jwt and tailnet. */

const roleName = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a role name is lower case: a-z, 0-9, _ and -');

export const userRoles = z
  .record(z.string().min(1), z.array(roleName))
  .meta({
    description:
      'Login, e-mail or subject → roles, for principals of the oidc, jwt and tailnet modes (e.g. {"alice@example.com": ["admin"]}).',
    format: 'json',
  })
  .default({});

export const groupRoles = z
  .record(z.string().min(1), z.array(roleName))
  .meta({
    description:
      'Group → roles: JWT/userinfo groups claim values, and for tailnet mode the node tags (e.g. {"tag:ci": ["viewer"]}).',
    format: 'json',
  })
  .default({});

export const oidcConfig = section(
  {
    issuer: optionalStr({
      description:
        'Issuer URL of TSIDP or another OAuth server with RFC 7662 introspection, e.g. https://idp.example.ts.net. HTTPS unless the host is loopback.',
      env: 'TAILWARDEN_OIDC_ISSUER',
      format: 'url',
    }),
    client_id: optionalStr({
      description:
        'Client id the gateway introspects with. Unset: introspect without client authentication (TSIDP allows that from loopback and tailnet nodes).',
      env: 'TAILWARDEN_OIDC_CLIENT_ID',
    }),
    client_secret: optionalStr({
      description: 'Secret of client_id for introspection (environment file only).',
      env: 'TAILWARDEN_OIDC_CLIENT_SECRET',
      secret: true,
      envOnly: true,
    }),
    roles_claim: str('tailwarden_roles', {
      description:
        'Claim of the /userinfo response holding gateway roles (TSIDP puts grant extraClaims there with includeInUserInfo).',
      env: 'TAILWARDEN_OIDC_ROLES_CLAIM',
    }),
    userinfo: bool(true, {
      description: 'Fetch /userinfo once per token to read roles_claim (cached with the introspection).',
    }),
    scopes: list(['openid', 'email', 'profile'], {
      description:
        'scopes_supported in the protected resource metadata. Only scopes the issuer can grant (TSIDP: openid email profile).',
    }),
    clock_skew: duration('30s', { description: 'Tolerance when checking exp and nbf.' }),
    cache_ttl: duration('60s', {
      description: 'Longest time an accepted token is trusted without asking the issuer again.',
    }),
    negative_cache_ttl: duration('5s', { description: 'How long a refused token is remembered.' }),
    cache_entries: int(10_000, { description: 'Most tokens kept in the introspection cache.' }, 1),
    timeout: duration('5s', { description: 'Timeout of one request to the issuer.' }),
    discovery_refresh: duration('1h', { description: 'How often the issuer metadata is re-read.' }),
    retry_interval: duration('10s', {
      description: 'While the issuer is unreachable at start, how often discovery is retried.',
    }),
  },
  'Mode "oidc": opaque tokens checked by introspection at the issuer (TSIDP).',
);

const jwtIssuerEntry = z.strictObject({
  issuer: z.string().min(1).describe('Issuer (iss) of the JWT access tokens this entry checks.'),
  jwks_uri: z
    .string()
    .min(1)
    .optional()
    .describe("The issuer's JWKS URL (default: from its discovery document)."),
  audience: z
    .string()
    .min(1)
    .optional()
    .describe('Required aud (default: auth.jwt.audience, else <public_url>/mcp).'),
  algorithms: z
    .array(z.string().min(1))
    .optional()
    .describe('Signature algorithms (default: auth.jwt.algorithms).'),
  roles_claim: z
    .string()
    .min(1)
    .optional()
    .describe('Claim holding gateway roles (default: auth.jwt.roles_claim).'),
  groups_claim: z
    .string()
    .min(1)
    .optional()
    .describe('Claim holding groups (default: auth.jwt.groups_claim).'),
  users: z
    .record(z.string().min(1), z.array(roleName))
    .optional()
    .describe('Login, e-mail or subject → roles for this issuer (default: auth.users).'),
  groups: z
    .record(z.string().min(1), z.array(roleName))
    .optional()
    .describe('Group → roles for this issuer (default: auth.groups).'),
  default_role: roleName
    .optional()
    .describe('Role for a principal of this issuer with none (default: auth.default_role).'),
});

export const jwtConfig = section(
  {
    issuer: optionalStr({
      description: 'Issuer (iss) of JWT access tokens, e.g. https://auth.example.com/application/o/warden/.',
      format: 'url',
    }),
    jwks_uri: optionalStr({
      description: "The issuer's JWKS URL. Unset: read from <issuer>/.well-known/openid-configuration.",
      format: 'url',
    }),
    audience: optionalStr({
      description: 'Required aud. Unset: the canonical resource <public_url>/mcp.',
    }),
    algorithms: list(['RS256', 'PS256', 'ES256', 'EdDSA'], {
      description: 'Signature algorithms accepted (never "none" or HMAC).',
    }),
    roles_claim: str('roles', { description: 'Claim holding gateway roles (string or array).' }),
    groups_claim: str('groups', { description: 'Claim holding groups, mapped through auth.groups.' }),
    clock_skew: duration('30s', { description: 'Tolerance when checking exp and nbf.' }),
    timeout: duration('5s', { description: 'Timeout of one request for issuer metadata or keys.' }),
    issuers: z
      .array(jwtIssuerEntry)
      .meta({
        description:
          'More issuers, each with its own settings: issuer, jwks_uri, audience, algorithms, roles_claim, groups_claim, users, groups, default_role (unset ones come from the fields above). A token is checked only against the issuer its "iss" names.',
        format: 'json',
      })
      .default([]),
  },
  'Mode "jwt": JWT access tokens verified against the issuer\'s JWKS (Authentik, Keycloak, Authelia, Pocket ID); one issuer in the fields below, more in issuers.',
);

/** One JWT issuer with every setting resolved (the single-issuer fields, or an entry of auth.jwt.issuers). */
export interface JwtIssuerSettings {
  /** Where it is configured, for error messages: auth.jwt or auth.jwt.issuers[N]. */
  key: string;
  issuer: string;
  jwks_uri: string | undefined;
  audience: string | undefined;
  algorithms: string[];
  roles_claim: string;
  groups_claim: string;
  users: Record<string, string[]>;
  groups: Record<string, string[]>;
  default_role: string | undefined;
}

/** Every configured JWT issuer: the single-issuer form first, then auth.jwt.issuers. */
export function jwtIssuers(auth: {
  users: Record<string, string[]>;
  groups: Record<string, string[]>;
  default_role?: string | undefined;
  jwt: z.output<typeof jwtConfig>;
}): JwtIssuerSettings[] {
  const { jwt } = auth;
  const base = {
    jwks_uri: undefined,
    audience: jwt.audience,
    algorithms: jwt.algorithms,
    roles_claim: jwt.roles_claim,
    groups_claim: jwt.groups_claim,
    users: auth.users,
    groups: auth.groups,
    default_role: auth.default_role,
  };
  const single = jwt.issuer ? [{ ...base, key: 'auth.jwt', issuer: jwt.issuer, jwks_uri: jwt.jwks_uri }] : [];
  const listed = jwt.issuers.map((entry, index) => ({
    key: `auth.jwt.issuers[${index}]`,
    issuer: entry.issuer,
    jwks_uri: entry.jwks_uri,
    audience: entry.audience ?? base.audience,
    algorithms: entry.algorithms ?? base.algorithms,
    roles_claim: entry.roles_claim ?? base.roles_claim,
    groups_claim: entry.groups_claim ?? base.groups_claim,
    users: entry.users ?? base.users,
    groups: entry.groups ?? base.groups,
    default_role: entry.default_role ?? base.default_role,
  }));
  return [...single, ...listed];
}

export const tailnetConfig = section(
  {
    socket: str('/var/run/tailscale/tailscaled.sock', {
      description: "tailscaled's LocalAPI socket.",
    }),
    capability: str('tailwarden.dev/cap/tailwarden', {
      description:
        'App capability (grant "app" key) whose objects carry {"roles": [...], "permissions": [...]} for the caller.',
    }),
    behind_serve: bool(false, {
      description:
        'The gateway listens on loopback behind `tailscale serve`: trust Tailscale-User-Login from loopback peers.',
    }),
    cache_ttl: duration('10s', { description: 'How long a WhoIs answer is reused per address.' }),
    timeout: duration('2s', { description: 'Timeout of one LocalAPI request.' }),
  },
  'Mode "tailnet": requests without a bearer token, identified by tailscaled WhoIs.',
);

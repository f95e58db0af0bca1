import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jwtIssuers } from '../auth/config.ts';
import type { Principal } from '../auth/principal.ts';
import { canonicalResource } from '../auth/role-mapping.ts';
import type { Config } from '../config/schema.ts';
import { bearerChallenge, type ChallengeBuilder } from './challenge.ts';

const PRM_PATH = '/.well-known/oauth-protected-resource';

/** Modes whose bearer tokens come from an OAuth authorization server a client can discover. */
function authorizationServers(config: Config): string[] {
  const servers: string[] = [];
  if (config.auth.modes.includes('oidc') && config.auth.oidc.issuer) servers.push(config.auth.oidc.issuer);
  if (config.auth.modes.includes('jwt')) servers.push(...jwtIssuers(config.auth).map((i) => i.issuer));
  return servers;
}

/** RFC 9728 Protected Resource Metadata, when an OAuth mode is enabled and the public URL is known. */
export function protectedResourceMetadata(config: Config): Record<string, unknown> | undefined {
  const servers = authorizationServers(config);
  if (servers.length === 0 || !config.public_url) return undefined;
  return {
    resource: canonicalResource(config.public_url),
    authorization_servers: servers,
    // Only scopes the issuer can grant: TSIDP refuses any other scope at /authorize.
    scopes_supported: config.auth.oidc.scopes,
    bearer_methods_supported: ['header'],
    resource_name: 'tailwarden MCP gateway',
  };
}

export function resourceMetadataUrl(config: Config): string | undefined {
  return config.public_url ? `${config.public_url.replace(/\/+$/, '')}${PRM_PATH}/mcp` : undefined;
}

/** 401 challenges that point clients at the metadata, so they can sign in on their own. */
export function oauthChallenge(config: Config): ChallengeBuilder | undefined {
  if (!protectedResourceMetadata(config)) return undefined;
  const resourceMetadata = resourceMetadataUrl(config);
  const scope = config.auth.oidc.scopes.join(' ');
  return (error, tokenSent) => ({
    resourceMetadata,
    scope,
    ...(tokenSent ? { error: 'invalid_token' as const, description: error.message } : {}),
  });
}

export function registerProtectedResource(app: FastifyInstance, config: Config): void {
  const metadata = protectedResourceMetadata(config);
  if (!metadata) return;
  for (const url of [PRM_PATH, `${PRM_PATH}/mcp`]) {
    app.get(url, async (_request, reply) => reply.header('cache-control', 'max-age=300').send(metadata));
  }
}

function howToGetARole(config: Config, principal: Principal): string {
  const who = principal.login ?? principal.name;
  const example = Object.keys(config.roles)[0] ?? 'viewer';
  const configHint = `auth.users {"${who}": ["${example}"]} in the gateway config`;
  switch (principal.kind) {
    case 'oidc':
      return `Ask the gateway's administrator to grant you a role: in the tailnet policy file, the tailscale.com/cap/tsidp grant with "extraClaims": {"${config.auth.oidc.roles_claim}": ["${example}"]} and "includeInUserInfo": true; or ${configHint}.`;
    case 'tailnet':
      return `Ask the gateway's administrator to grant you a role: a tailnet policy grant to this gateway with "app": {"${config.auth.tailnet.capability}": [{"roles": ["${example}"]}]}; or ${configHint}.`;
    default:
      return `Ask the gateway's administrator to grant you a role: the "${config.auth.jwt.roles_claim}" claim at your identity provider, or ${configHint}.`;
  }
}

/**
 * A signed-in principal that holds no permission at all gets a 403 that says how
 * to obtain a role, instead of an empty, unexplained tool list.
 */
export function roleRequiredHook(config: Config) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal;
    if (!principal || principal.permissions.size > 0) return;
    if (principal.kind === 'token' || principal.kind === 'anonymous') return;
    const description = `You are signed in as ${principal.name}, but this gateway grants you no role, so it has no tools for you. ${howToGetARole(config, principal)}`;
    reply.header(
      'www-authenticate',
      bearerChallenge({
        error: 'insufficient_scope',
        description,
        resourceMetadata: resourceMetadataUrl(config),
        scope: config.auth.oidc.scopes.join(' '),
      }),
    );
    return reply
      .code(403)
      .send({ error: 'insufficient_scope', error_description: description, code: 'ERR_PERMISSION_DENIED' });
  };
}

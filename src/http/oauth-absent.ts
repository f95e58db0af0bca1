import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import { protectedResourceMetadata } from './protected-resource.ts';

/**
 * Where MCP clients look for OAuth when a 401 arrives: RFC 9728 and RFC 8414 metadata (path-aware and at the
 * root), OpenID discovery, and the endpoints they fall back to without metadata (RFC 7591 registration first).
 */
const OAUTH_PATHS: [method: 'GET' | 'POST', url: string][] = [
  ['GET', '/.well-known/oauth-protected-resource'],
  ['GET', '/.well-known/oauth-protected-resource/*'],
  ['GET', '/.well-known/oauth-authorization-server'],
  ['GET', '/.well-known/oauth-authorization-server/*'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/.well-known/openid-configuration/*'],
  ['GET', '/mcp/.well-known/openid-configuration'],
  ['POST', '/register'],
  ['GET', '/authorize'],
  ['POST', '/token'],
];

/** Why a client cannot sign in with OAuth at this gateway, and what to do instead. */
export function noOAuthHere(config: Config): string {
  const modes = config.auth.modes;
  const oauthModes = modes.filter((m) => m === 'oidc' || m === 'jwt');
  if (oauthModes.length > 0)
    return `OAuth sign-in (auth mode ${oauthModes.join(', ')}) is configured, but this gateway cannot advertise it: public_url (TAILWARDEN_PUBLIC_URL) is not set${modes.includes('oidc') && !config.auth.oidc.issuer ? ' and auth.oidc.issuer is missing' : ''}. The gateway's administrator sets it (tailwarden doctor shows what is missing); until then use a token made with \`tailwarden token create\`.`;
  const ways = [
    modes.includes('token')
      ? 'a token made on the gateway host with `tailwarden token create --name NAME --role viewer`, sent by your MCP client as the header "Authorization: Bearer <token>" (mcp-remote: --header "Authorization:Bearer <token>"; Inspector: --header "Authorization: Bearer <token>")'
      : '',
    modes.includes('tailnet') ? 'your tailnet identity (connect from a device on the tailnet)' : '',
  ].filter(Boolean);
  return `This tailwarden gateway does not offer OAuth sign-in (auth modes: ${modes.join(', ')}), so there is no client registration, authorization or token endpoint here. Sign in with ${ways.join(', or ') || 'the mode configured'}. If your token was refused, it is mistyped, revoked or expired: make a new one.`;
}

/**
 * Without OAuth metadata to serve, the OAuth paths answer 404 with a JSON body a person can read in the client's
 * log (mcp-remote prints the /register answer verbatim), instead of fastify's generic "no route".
 */
export function registerOAuthAbsent(app: FastifyInstance, config: Config): void {
  if (protectedResourceMetadata(config)) return;
  const body = { error: 'oauth_not_offered', error_description: noOAuthHere(config) };
  for (const [method, url] of OAUTH_PATHS) {
    app.route({ method, url, handler: async (_request, reply) => reply.code(404).send(body) });
  }
}

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OAuth server (oidc-provider) on loopback, configured to behave like
 * TSIDP: opaque access tokens valid 300 s bound to the requested resource,
 * RFC 7662 introspection, dynamic client registration, PKCE, scopes exactly
 * `openid email profile`, introspection answers carrying username and email, and
 * a /userinfo that carries the grant's extra claims (tailwarden_roles).
 *
 * oidc-provider refuses /userinfo for tokens with a resource audience, which
 * TSIDP allows; so /userinfo (GET /me) is answered from the provider's own token
 * store, as TSIDP does. Sign-in is completed automatically as `nextUser`.
 */
export interface IdpUser {
  email: string;
  username: string;
  /** Extra claim in /userinfo (TSIDP grant extraClaims with includeInUserInfo). */
  roles?: string[];
}

export interface MintOptions {
  user: string;
  /** Audience: the resource the token is for; omit for a token with no aud. */
  resource?: string;
  ttlSeconds?: number;
}

export interface TestIdp {
  issuer: string;
  users: Record<string, IdpUser>;
  /** Who signs in at the next interactive authorization. */
  nextUser: string;
  counts: { introspection: number; userinfo: number; discovery: number };
  /** Rewrite active introspection answers (to imitate a misbehaving issuer). */
  tamper: ((body: Record<string, unknown>) => void) | undefined;
  /** Hold every introspection answer until this promise settles. */
  gate: Promise<void> | undefined;
  mint(options: MintOptions): Promise<string>;
  /** Stop answering (the port is closed); tokens stay in memory. */
  stop(): Promise<void>;
  /** Answer again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const GATEWAY_CLIENT = { id: 'tailwarden-gateway', secret: 'gateway-introspection-secret-0123456789' };
const TEST_APP = { id: 'test-app', secret: 'test-app-secret-0123456789abcdef' };

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

export async function startTestIdp(
  users: Record<string, IdpUser>,
  options: { tokenFormat?: 'opaque' | 'jwt' } = {},
): Promise<TestIdp> {
  const tokenFormat = options.tokenFormat ?? 'opaque';
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const idp: TestIdp = {
    issuer,
    users,
    nextUser: Object.keys(users)[0] ?? '',
    counts: { introspection: 0, userinfo: 0, discovery: 0 },
    tamper: undefined,
    gate: undefined,
    mint: async () => '',
    stop: async () => {},
    start: async () => {},
    close: async () => {},
  };

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-idp', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    clients: [
      {
        client_id: GATEWAY_CLIENT.id,
        client_secret: GATEWAY_CLIENT.secret,
        redirect_uris: [],
        response_types: [],
        grant_types: [],
      },
      {
        client_id: TEST_APP.id,
        client_secret: TEST_APP.secret,
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    findAccount: (_ctx: unknown, id: string) => {
      const user = idp.users[id];
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: user.email,
          preferred_username: user.username,
          name: user.username,
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'] },
    scopes: ['openid', 'email', 'profile'],
    features: {
      devInteractions: { enabled: false },
      // Like TSIDP: any registered client may introspect.
      introspection: { enabled: true, allowedPolicy: () => true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf?.[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'openid email profile',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: tokenFormat,
        }),
      },
    },
    // TSIDP's introspection answers carry the user's login and e-mail.
    extraTokenClaims: (_ctx: unknown, token: { kind: string; accountId?: string }) => {
      const user = token.accountId ? idp.users[token.accountId] : undefined;
      if (token.kind !== 'AccessToken' || !user) return undefined;
      // JWT access tokens (Keycloak, Authentik ...) carry the roles themselves.
      const roles = tokenFormat === 'jwt' && user.roles ? { roles: user.roles } : {};
      return { username: user.username, email: user.email, ...roles };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
      IdToken: 300,
    },
    clientBasedCORS: () => true,
  });
  provider.proxy = false;

  async function grantFor(accountId: string, clientId: string, resource?: string): Promise<string> {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope('openid email profile');
    if (resource) grant.addResourceScope(resource, 'openid email profile');
    return grant.save();
  }

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const accountId = idp.nextUser;
    const resource = details.params.resource as string | undefined;
    const grantId = await grantFor(accountId, details.params.client_id, resource);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  async function userinfo(req: IncomingMessage, res: ServerResponse) {
    idp.counts.userinfo++;
    const value = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = value ? await provider.AccessToken.find(value) : undefined;
    const user = token?.accountId ? idp.users[token.accountId] : undefined;
    if (!token?.scopes.has('openid') || !user) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    const claims = { sub: `userid:${token.accountId}`, email: user.email, preferred_username: user.username };
    const extra = user.roles ? { tailwarden_roles: user.roles } : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...claims, ...extra }));
  }

  const callback = provider.callback();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.startsWith('/interaction/')) return interaction(req, res);
    if (path === '/me') return userinfo(req, res);
    if (path.startsWith('/.well-known/')) idp.counts.discovery++;
    if (path === '/token/introspection') {
      idp.counts.introspection++;
      if (idp.gate) await idp.gate;
      if (idp.tamper) {
        const tamper = idp.tamper;
        const end = res.end.bind(res);
        // Rewrite the JSON body the provider writes (simulates an issuer that answers wrongly).
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
            const body = JSON.parse(chunk.toString()) as Record<string, unknown>;
            if (body.active) tamper(body);
            const text = JSON.stringify(body);
            res.setHeader('content-length', Buffer.byteLength(text));
            return end(text, ...(rest as []));
          }
          return end(chunk as never, ...(rest as []));
        }) as typeof res.end;
      }
    }
    return callback(req, res);
  };

  let server: Server | undefined;
  idp.start = async () => {
    server = createServer((req, res) => {
      handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500).end(error.message);
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  idp.stop = async () => {
    if (!server) return;
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise((r) => closing.close(r));
  };
  idp.close = idp.stop;
  idp.mint = async ({ user, resource, ttlSeconds = 300 }) => {
    const client = await provider.Client.find(TEST_APP.id);
    const grantId = await grantFor(user, TEST_APP.id, resource);
    const token = new provider.AccessToken({
      accountId: user,
      client,
      grantId,
      scope: 'openid email profile',
      expiresIn: ttlSeconds,
      ...(resource
        ? {
            resourceServer: new provider.ResourceServer(resource, {
              audience: resource,
              scope: 'openid email profile',
              accessTokenFormat: tokenFormat,
            }),
          }
        : {}),
    });
    if (resource) token.setAudience(resource);
    return token.save();
  };
  await idp.start();
  return idp;
}

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INITIALIZE,
  jsonOf,
  MODERN_REVISION,
  rawMcp,
  startTestGateway,
  type TestGateway,
} from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { GATEWAY_CLIENT, startTestIdp, type TestIdp } from './support/idp.ts';

const REDIRECT = 'http://127.0.0.1:1/callback';

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/** What Claude Code or VS Code keep between the 401 and the token: registration, PKCE verifier, tokens. */
class MemoryOAuthProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: 'vitest MCP client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The browser part: follow the authorization redirects (the IdP signs the user in) up to the code. */
async function signIn(url: URL): Promise<string> {
  return (await signInRedirect(url)).get('code')!;
}

/** The query of the redirect back to the client: the code, and the issuer (RFC 9207) when the IdP sends it. */
async function signInRedirect(url: URL): Promise<URLSearchParams> {
  const cookies = new Map<string, string>();
  let next = url.href;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!, value.join('='));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`sign-in stopped at ${next} with HTTP ${res.status}: ${await res.text()}`);
    const target = new URL(location, next);
    if (target.href.startsWith(REDIRECT)) {
      if (!target.searchParams.get('code')) throw new Error(`authorization failed: ${target.search}`);
      return target.searchParams;
    }
    next = target.href;
  }
  throw new Error('too many redirects during sign-in');
}

describe('the SDK client signs in end to end through the protected resource metadata', () => {
  let idp: TestIdp;
  let gw: TestGateway;
  let publicUrl: string;

  beforeAll(async () => {
    idp = await startTestIdp({ erin: { email: 'erin@example.com', username: 'erin', roles: ['operator'] } });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    gw = await startTestGateway({
      port,
      modules: [testModule],
      config: {
        public_url: publicUrl,
        auth: {
          modes: ['oidc'],
          oidc: { issuer: idp.issuer, client_id: GATEWAY_CLIENT.id, client_secret: GATEWAY_CLIENT.secret },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await idp?.close();
  });

  it('serves RFC 9728 metadata in path and root form, with only the scopes TSIDP can grant', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toEqual({
        resource: `${publicUrl}/mcp`,
        authorization_servers: [idp.issuer],
        scopes_supported: ['openid', 'email', 'profile'],
        bearer_methods_supported: ['header'],
        resource_name: 'tailwarden MCP gateway',
      });
    }
  });

  it('answers a request without a token with a challenge that points at the metadata', async () => {
    const res = await rawMcp(gw.url, { body: INITIALIZE });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain(`resource_metadata="${publicUrl}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="openid email profile"');
    expect(challenge).not.toContain('error=');
  });

  it('401 → metadata → registration → code with PKCE → resource-bound token → tools → call', async () => {
    const provider = new MemoryOAuthProvider();
    const url = new URL(`${publicUrl}/mcp`);
    const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await expect(new Client({ name: 'vitest', version: '1' }).connect(first)).rejects.toThrow(/Unauthorized/);
    expect(provider.info?.client_id).toBeTruthy(); // dynamic client registration happened
    const authorization = provider.authorizationUrl!;
    expect(authorization.searchParams.get('resource')).toBe(`${publicUrl}/mcp`);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('scope')).toBe('openid email profile');

    await first.finishAuth(await signIn(authorization));
    expect(provider.saved?.access_token).toBeTruthy();

    const client = new Client({ name: 'vitest', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('test_thing_restart');
    expect(names).not.toContain('test_thing_wipe');
    const result = await client.callTool({ name: 'test_echo', arguments: { text: 'signed in' } });
    expect(result.structuredContent).toEqual({ text: 'signed in' });
    await client.close();

    const audit = JSON.stringify(await gw.auditRecords());
    expect(audit).toContain(`oidc:${idp.issuer}#erin`);
    expect(audit).toContain(provider.info!.client_id);
    expect(audit).not.toContain(provider.saved!.access_token);
  });

  it('a 2026-07-28 client (SDK v2) signs in through the same flow and sends its token with every request', async () => {
    const provider = new MemoryOAuthProvider();
    const url = new URL(`${publicUrl}/mcp`);
    const options = { versionNegotiation: { mode: { pin: MODERN_REVISION } } } as const;
    const first = new ModernTransport(url, { authProvider: provider as never });
    await expect(
      new ModernClient({ name: 'vitest-modern', version: '1' }, options).connect(first),
    ).rejects.toThrow(/Unauthorized/);
    expect(provider.info?.client_id).toBeTruthy();
    await first.finishAuth(await signInRedirect(provider.authorizationUrl!));

    const client = new ModernClient({ name: 'vitest-modern', version: '1' }, options);
    await client.connect(new ModernTransport(url, { authProvider: provider as never }));
    expect(client.getDiscoverResult()?.supportedVersions).toContain(MODERN_REVISION);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('test_thing_restart');
    expect(names).not.toContain('test_thing_wipe');
    const result = await client.callTool({ name: 'test_echo', arguments: { text: 'modern sign-in' } });
    expect(result.structuredContent).toEqual({ text: 'modern sign-in' });
    await client.close();
    const audit = JSON.stringify(await gw.auditRecords());
    expect(audit).toContain('vitest-modern');
    expect(audit).not.toContain(provider.saved!.access_token);
  });
});

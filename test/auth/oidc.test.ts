import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IntrospectionVerifier } from '../../src/auth/oidc/introspection-verifier.ts';
import { INITIALIZE, jsonOf, rawMcp, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { waitFor } from '../support/wait.ts';
import { GATEWAY_CLIENT, startTestIdp, type TestIdp } from './support/idp.ts';

const PUBLIC_URL = 'https://warden.example.ts.net';
const RESOURCE = `${PUBLIC_URL}/mcp`;

const users = {
  alice: { email: 'alice@example.com', username: 'alice', roles: ['admin'] },
  bob: { email: 'bob@example.com', username: 'bob' },
  carol: { email: 'carol@example.com', username: 'carol' },
  dave: { email: 'dave@example.com', username: 'dave', roles: ['viewer'] },
};

function oidcConfig(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    public_url: PUBLIC_URL,
    rate_limit: { auth_failures: 10_000 },
    auth: {
      modes: ['oidc', 'token'],
      users: { 'bob@example.com': ['operator'] },
      oidc: {
        issuer,
        client_id: GATEWAY_CLIENT.id,
        client_secret: GATEWAY_CLIENT.secret,
        retry_interval: '100ms',
        // Liveness, not behaviour under test: answers are remembered across every request a
        // test makes however slowly a loaded machine runs them, and the issuer (in this
        // process) may be slow to answer. Tests of the issuer being down stop it instead.
        timeout: '60s',
        cache_ttl: '1h',
        negative_cache_ttl: '1h',
      },
      ...extra,
    },
  };
}

const init = (token: string) =>
  rawMcp(gatewayUrl, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
let gatewayUrl = '';

describe('oidc mode: TSIDP-style introspection', () => {
  let idp: TestIdp;
  let gw: TestGateway;

  beforeAll(async () => {
    idp = await startTestIdp(structuredClone(users));
    gw = await startTestGateway({ config: oidcConfig(idp.issuer), modules: [testModule] });
    gatewayUrl = gw.url;
  });
  afterAll(async () => {
    await gw?.close();
    await idp?.close();
  });
  beforeEach(() => {
    idp.tamper = undefined;
  });

  it('accepts an active token for this resource; roles come from the userinfo claim', async () => {
    const token = await idp.mint({ user: 'alice', resource: RESOURCE });
    const client = await gw.client(token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('test_thing_wipe'); // admin
    const result = await client.callTool({ name: 'test_echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    const records = await gw.auditRecords();
    const call = records.find((r) => JSON.stringify(r).includes('test_echo'))!;
    expect(JSON.stringify(call)).toContain(`oidc:${idp.issuer}#alice`);
    expect(JSON.stringify(call)).toContain('test-app'); // client id
    expect(JSON.stringify(call)).toContain('"login":"alice"');
  });

  it('takes roles from the config user mapping', async () => {
    const token = await idp.mint({ user: 'bob', resource: RESOURCE });
    const client = await gw.client(token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('test_thing_restart'); // operator: system:write
    expect(names).not.toContain('test_thing_wipe');
  });

  it('gives a signed-in user with no role no tools, and says how to get one', async () => {
    const token = await idp.mint({ user: 'carol', resource: RESOURCE });
    const res = await init(token);
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain(`resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`);
    const body = await jsonOf(res);
    expect(body.error_description).toContain('carol');
    expect(body.error_description).toContain('tailwarden_roles');
    expect(body.error_description).toContain('auth.users');
    await expect(gw.client(token)).rejects.toThrow();
  });

  it.each([
    ['a token for another resource', { resource: 'https://other.example.ts.net/mcp' }, /another resource/],
    ['a token with no audience', {}, /no audience/],
  ])('refuses %s with 401 invalid_token', async (_what, options, message) => {
    const token = await idp.mint({ user: 'alice', ...options });
    const res = await init(token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await jsonOf(res)).error_description).toMatch(message);
  });

  it('refuses an unknown (inactive) token', async () => {
    const res = await init('0123456789abcdef0123456789abcdef');
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toMatch(/not active/);
  });

  it('refuses a token that has expired at the issuer', async () => {
    const token = await idp.mint({ user: 'alice', resource: RESOURCE, ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const res = await init(token);
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toMatch(/not active/);
  });

  it.each([
    ['an expired exp', (b: Record<string, unknown>) => Object.assign(b, { exp: 1_000_000 }), /expired/],
    [
      'a future nbf',
      (b: Record<string, unknown>) => Object.assign(b, { nbf: Math.floor(Date.now() / 1000) + 3600 }),
      /not valid yet/,
    ],
    [
      'another issuer',
      (b: Record<string, unknown>) => Object.assign(b, { iss: 'https://evil.example' }),
      /issued by https:\/\/evil.example/,
    ],
    [
      'aud as an array without us',
      (b: Record<string, unknown>) => Object.assign(b, { aud: ['test-app'] }),
      /another resource/,
    ],
  ])('checks the introspection answer itself: refuses %s', async (_what, tamper, message) => {
    idp.tamper = tamper;
    const token = await idp.mint({ user: 'alice', resource: RESOURCE });
    const res = await init(token);
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toMatch(message);
  });

  it('accepts aud as an array that contains the resource (TSIDP: [client_id, resource])', async () => {
    idp.tamper = (b) => Object.assign(b, { aud: ['test-app', RESOURCE] });
    const token = await idp.mint({ user: 'dave', resource: RESOURCE });
    expect((await init(token)).status).toBe(200);
  });

  it('introspects a token once however many requests arrive at the same time', async () => {
    const token = await idp.mint({ user: 'dave', resource: RESOURCE });
    const before = { ...idp.counts };
    let open!: () => void;
    idp.gate = new Promise<void>((r) => {
      open = r;
    });
    const cache = (
      gw.gateway.authenticator.verifiers.find((v) => v.mode === 'oidc') as unknown as IntrospectionVerifier
    ).cache;
    const joined = cache.stats().hits;
    const pending = Array.from({ length: 20 }, () => init(token));
    // Open the gate once all 20 are waiting: one introspection in flight, 19 joined to it.
    await waitFor(() => cache.stats().hits - joined >= 19, 'all 20 requests to wait on one introspection');
    idp.gate = undefined;
    open();
    const statuses = (await Promise.all(pending)).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(idp.counts.introspection - before.introspection).toBe(1);
    expect(idp.counts.userinfo - before.userinfo).toBe(1);
    for (let i = 0; i < 5; i++) expect((await init(token)).status).toBe(200);
    expect(idp.counts.introspection - before.introspection).toBe(1);
  });

  it('remembers a refused token briefly, by hash', async () => {
    const before = idp.counts.introspection;
    const bogus = 'feedfacefeedfacefeedfacefeedface';
    expect((await init(bogus)).status).toBe(401);
    expect((await init(bogus)).status).toBe(401);
    expect(idp.counts.introspection - before).toBe(1);
  });

  it('keeps cached principals working while the issuer is down; new tokens get 503, then recover', async () => {
    const cached = await idp.mint({ user: 'dave', resource: RESOURCE });
    const fresh = await idp.mint({ user: 'dave', resource: RESOURCE });
    expect((await init(cached)).status).toBe(200);
    await idp.stop();
    try {
      expect((await init(cached)).status).toBe(200);
      const res = await init(fresh);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.headers.get('www-authenticate')).toBeNull();
      const body = await jsonOf(res);
      expect(body.code).toBe('ERR_AUTH_UNAVAILABLE');
      expect(body.error_description).toMatch(/cannot be reached/);
      await new Promise((r) => setTimeout(r, 1100)); // past the on-demand retry spacing
      expect((await init(fresh)).status).toBe(503);
      const ready = await jsonOf(await fetch(`${gw.url}/ready`));
      expect(ready.status).toBe('degraded');
      expect(ready.checks['auth.oidc'].status).toBe('degraded');
      const warnings = gw.logs.filter((l) => l.msg === 'identity provider unreachable');
      expect(warnings).toHaveLength(1);
    } finally {
      await idp.start();
    }
    expect((await init(fresh)).status).toBe(200);
    const ready = await jsonOf(await fetch(`${gw.url}/ready`));
    expect(ready.checks['auth.oidc'].status).toBe('ok');
  });

  it('still accepts local tokens alongside, without asking the issuer', async () => {
    const before = idp.counts.introspection;
    const token = await gw.token({ role: 'viewer' });
    expect((await init(token)).status).toBe(200);
    expect(idp.counts.introspection).toBe(before);
  });

  it('never logs a bearer token', async () => {
    const token = await idp.mint({ user: 'alice', resource: RESOURCE });
    await init(token);
    await init(`${token}0`);
    expect(JSON.stringify(gw.logs)).not.toContain(token);
    expect(JSON.stringify(await gw.auditRecords())).not.toContain(token);
  });
});

describe('oidc mode: issuer down at start', () => {
  it('starts degraded, answers 503, and recovers by itself', async () => {
    const idp = await startTestIdp(structuredClone(users));
    await idp.stop();
    const gw = await startTestGateway({ config: oidcConfig(idp.issuer), modules: [testModule] });
    gatewayUrl = gw.url;
    try {
      const ready = await jsonOf(await fetch(`${gw.url}/ready`));
      expect(ready.status).toBe('degraded');
      expect(ready.checks['auth.oidc'].status).toBe('degraded');
      const token = await idp.mint({ user: 'alice', resource: RESOURCE });
      const res = await init(token);
      expect(res.status).toBe(503);
      expect((await jsonOf(res)).code).toBe('ERR_AUTH_UNAVAILABLE');
      await idp.start();
      // Background discovery retries on its own: wait until /ready says ok, without any request.
      await waitFor(
        async () => (await jsonOf(await fetch(`${gw.url}/ready`))).checks['auth.oidc'].status === 'ok',
        'background discovery to reach the issuer again',
      );
      expect((await jsonOf(await fetch(`${gw.url}/ready`))).checks['auth.oidc'].status).toBe('ok');
      expect((await init(token)).status).toBe(200);
    } finally {
      await gw.close();
      await idp.close();
    }
  });

  it('refuses a configuration without issuer or public URL, and a plain-http remote issuer', async () => {
    await expect(
      startTestGateway({ config: { public_url: PUBLIC_URL, auth: { modes: ['oidc'] } } }),
    ).rejects.toThrow(/TAILWARDEN_OIDC_ISSUER/);
    await expect(
      startTestGateway({ config: { auth: { modes: ['oidc'], oidc: { issuer: 'https://idp.example' } } } }),
    ).rejects.toThrow(/TAILWARDEN_PUBLIC_URL/);
    await expect(
      startTestGateway({
        config: { public_url: PUBLIC_URL, auth: { modes: ['oidc'], oidc: { issuer: 'http://idp.example' } } },
      }),
    ).rejects.toThrow(/https/);
  });
});

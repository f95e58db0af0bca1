import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE, jsonOf, rawMcp, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { startTestIdp, type TestIdp } from './support/idp.ts';
import { type JwksIssuer, startJwksIssuer } from './support/jwks-issuer.ts';

const PUBLIC_URL = 'https://warden.example.ts.net';
const RESOURCE = `${PUBLIC_URL}/mcp`;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** auth.jwt for one issuer, in the single-issuer form or as one entry of auth.jwt.issuers (after another). */
type Form = 'single issuer' | 'list of issuers';
const jwtFor = (form: Form, issuer: string, extra: Record<string, unknown> = {}) =>
  form === 'single issuer'
    ? { issuer, ...extra }
    : { issuers: [{ issuer: 'https://unrelated.example.com' }, { issuer, ...extra }] };

describe.each<Form>(['single issuer', 'list of issuers'])(
  'jwt mode (%s): JWT access tokens verified against the issuer JWKS',
  (form) => {
    let idp: TestIdp;
    let gw: TestGateway;
    const init = (token: string) =>
      rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      idp = await startTestIdp(
        {
          frank: { email: 'frank@example.com', username: 'frank', roles: ['operator'] },
          gina: { email: 'gina@example.com', username: 'gina' },
        },
        { tokenFormat: 'jwt' },
      );
      gw = await startTestGateway({
        modules: [testModule],
        config: {
          public_url: PUBLIC_URL,
          rate_limit: { auth_failures: 10_000 },
          auth: { modes: ['token', 'jwt'], jwt: jwtFor(form, idp.issuer), users: { gina: ['viewer'] } },
        },
      });
    });
    afterAll(async () => {
      await gw?.close();
      await idp?.close();
    });

    it('accepts a JWT for this resource with roles from its claim, and never introspects it', async () => {
      const token = await idp.mint({ user: 'frank', resource: RESOURCE });
      expect(token.split('.')).toHaveLength(3);
      const client = await gw.client(token);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('test_thing_restart');
      expect(names).not.toContain('test_thing_wipe');
      expect(idp.counts.introspection).toBe(0);
      await client.callTool({ name: 'test_echo', arguments: { text: 'jwt' } });
      const audit = JSON.stringify(await gw.auditRecords());
      expect(audit).toContain(`jwt:${idp.issuer}#frank`);
    });

    it('maps roles from config users by login', async () => {
      const client = await gw.client(await idp.mint({ user: 'gina', resource: RESOURCE }));
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('test_echo');
      expect(names).not.toContain('test_thing_restart');
    });

    it('refuses a token for another audience', async () => {
      const res = await init(await idp.mint({ user: 'frank', resource: 'https://other.example/mcp' }));
      expect(res.status).toBe(401);
      expect((await jsonOf(res)).error_description).toMatch(/another audience/);
    });

    it('refuses a token whose signature was made with another key', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-idp' })
        .setIssuer(idp.issuer)
        .setAudience(RESOURCE)
        .setSubject('frank')
        .setExpirationTime('5m')
        .sign(privateKey);
      const res = await init(forged);
      expect(res.status).toBe(401);
      expect((await jsonOf(res)).error_description).toMatch(/signature/);
    });

    it('refuses alg "none"', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: idp.issuer, aud: RESOURCE, sub: 'frank', exp: now + 300, roles: ['admin'] })}.`;
      const res = await init(unsigned);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses an expired token', async () => {
      const token = await idp.mint({ user: 'frank', resource: RESOURCE, ttlSeconds: 1 });
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      expect(payload.exp - payload.iat).toBe(1);
      // clock_skew is 30 s by default; a token expired longer ago than that is refused.
      const stale = { ...payload, exp: payload.iat - 120 };
      const tampered = `${token.split('.')[0]}.${b64(stale)}.${token.split('.')[2]}`;
      expect((await init(tampered)).status).toBe(401);
    });

    it('leaves JWTs of other issuers to the other modes (local tokens still work)', async () => {
      expect((await init(await gw.token({ role: 'viewer' }))).status).toBe(200);
    });

    it('answers 503, not 401, when the issuer keys cannot be fetched', async () => {
      const fresh = await startTestIdp(
        { frank: { email: 'f@example.com', username: 'frank' } },
        { tokenFormat: 'jwt' },
      );
      const other = await startTestGateway({
        modules: [testModule],
        config: {
          public_url: PUBLIC_URL,
          auth: { modes: ['jwt'], jwt: jwtFor(form, fresh.issuer), default_role: 'viewer' },
        },
      });
      try {
        const token = await fresh.mint({ user: 'frank', resource: RESOURCE });
        await fresh.stop();
        const res = await rawMcp(other.url, {
          body: INITIALIZE,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(503);
        expect((await jsonOf(res)).code).toBe('ERR_AUTH_UNAVAILABLE');
        await fresh.start();
        const again = await rawMcp(other.url, {
          body: INITIALIZE,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(again.status).toBe(200);
      } finally {
        await other.close();
        await fresh.close();
      }
    });

    it('refuses HMAC and none in the algorithm allow-list', async () => {
      await expect(
        startTestGateway({
          config: {
            public_url: PUBLIC_URL,
            auth: { modes: ['jwt'], jwt: jwtFor(form, idp.issuer, { algorithms: ['HS256'] }) },
          },
        }),
      ).rejects.toThrow(/asymmetric/);
    });
  },
);

describe('jwt mode with several issuers', () => {
  let pocket: JwksIssuer;
  let authentik: JwksIssuer;
  let gw: TestGateway;
  const init = (token: string) =>
    rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    // The same kid on both: a verifier that looked keys up by kid across issuers would mix them.
    pocket = await startJwksIssuer('k1');
    authentik = await startJwksIssuer('k1');
    gw = await startTestGateway({
      modules: [testModule],
      config: {
        public_url: PUBLIC_URL,
        rate_limit: { auth_failures: 10_000 },
        auth: {
          modes: ['jwt'],
          jwt: {
            issuers: [
              { issuer: pocket.issuer, users: { sam: ['viewer'] } },
              { issuer: authentik.issuer, roles_claim: 'tw_roles', users: { sam: ['operator'] } },
            ],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await pocket?.close();
    await authentik?.close();
  });

  const toolsOf = async (token: string) =>
    (await (await gw.client(token)).listTools()).tools.map((t) => t.name);

  it("maps roles with each issuer's own settings", async () => {
    const fromPocket = await toolsOf(
      await pocket.sign({ sub: 's1', preferred_username: 'sam', aud: RESOURCE }),
    );
    expect(fromPocket).toContain('test_echo');
    expect(fromPocket).not.toContain('test_thing_restart');
    const fromAuthentik = await toolsOf(
      await authentik.sign({ sub: 's2', preferred_username: 'sam', aud: RESOURCE }),
    );
    expect(fromAuthentik).toContain('test_thing_restart');
    // roles_claim is per issuer: "tw_roles" counts for authentik only.
    const claimed = await toolsOf(
      await authentik.sign({ sub: 'x', preferred_username: 'nobody', aud: RESOURCE, tw_roles: ['admin'] }),
    );
    expect(claimed).toContain('test_thing_wipe');
    const ignored = await init(
      await pocket.sign({ sub: 'y', preferred_username: 'nobody', aud: RESOURCE, tw_roles: ['admin'] }),
    );
    expect(ignored.status).toBe(403); // signed in, but no role from pocket's mapping
  });

  it("never validates a token of one issuer with another's keys", async () => {
    const before = pocket.jwksFetches;
    // Signed with pocket's key but naming authentik: checked against authentik's keys only, and refused.
    const forged = await pocket.sign(
      { sub: 's1', preferred_username: 'sam', aud: RESOURCE, tw_roles: ['admin'] },
      { iss: authentik.issuer },
    );
    const res = await init(forged);
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toMatch(/signature/);
    expect(pocket.jwksFetches).toBe(before);
  });

  it('leaves a token of an unconfigured issuer to no one (401)', async () => {
    const stranger = await startJwksIssuer('k1');
    try {
      const res = await init(await stranger.sign({ sub: 'z', aud: RESOURCE, roles: ['admin'] }));
      expect(res.status).toBe(401);
      expect(stranger.jwksFetches).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it('refuses the same issuer twice', async () => {
    await expect(
      startTestGateway({
        config: {
          public_url: PUBLIC_URL,
          auth: { modes: ['jwt'], jwt: { issuer: pocket.issuer, issuers: [{ issuer: pocket.issuer }] } },
        },
      }),
    ).rejects.toThrow(/configured twice/);
  });

  it('lists every issuer in the protected resource metadata', async () => {
    const res = await fetch(`${gw.url}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await res.json()) as { authorization_servers: string[] };
    expect(metadata.authorization_servers).toEqual([pocket.issuer, authentik.issuer]);
  });
});

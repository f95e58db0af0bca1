import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CLIENT, startTestIdp, type TestIdp } from '../auth/support/idp.ts';
import { INITIALIZE, jsonOf, rawMcp, startTestGateway, type TestGateway } from '../support/gateway.ts';

/**
 * Behind `tailscale serve` every request reaches the gateway from 127.0.0.1, with the
 * headers tailscaled writes: X-Forwarded-For set to the address it accepted the
 * connection from (replacing anything the client sent), X-Forwarded-Host/-Proto, and
 * for a tailnet user (not a tagged node, not a Funnel visitor) the Tailscale-User-*
 * identity headers. These tests send exactly those, over real HTTP.
 */
function viaServe(address: string, login?: string): Record<string, string> {
  return {
    'x-forwarded-for': address,
    'x-forwarded-host': 'warden.example.ts.net',
    'x-forwarded-proto': 'https',
    ...(login
      ? {
          'tailscale-user-login': login,
          'tailscale-user-name': login.split('@')[0]!,
          'tailscale-user-profile-pic': 'https://example.com/pic.png',
        }
      : {}),
  };
}

async function initialize(url: string, headers: Record<string, string>, token?: string) {
  const res = await rawMcp(url, {
    body: INITIALIZE,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = res.status === 200 ? await res.text() : await jsonOf(res);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

async function signIn(url: string, headers: Record<string, string>, token: string) {
  const res = await fetch(`${url}/approvals/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token, next: '/approvals' }).toString(),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

const ATTACKER = '100.64.0.66';
const ALICE = '100.64.0.7';

describe('failed sign-ins behind tailscale serve, token mode, default limits', () => {
  let gw: TestGateway;
  let alice: string;
  let approver: string;

  beforeAll(async () => {
    gw = await startTestGateway({ config: { public_url: 'https://warden.example.ts.net' } });
    alice = await gw.token({ role: 'viewer', name: 'alice' });
    approver = await gw.token({ permissions: ['approvals:grant'], name: 'carol' });
  });
  afterAll(() => gw?.close());

  it('30 bad tokens lock out the guesser, never a valid token, even from the same address', async () => {
    const limit = gw.config.rate_limit.auth_failures;
    const attacker: number[] = [];
    for (let i = 0; i < limit + 10; i++) {
      attacker.push((await initialize(gw.url, viaServe(ATTACKER), `guess-${i}`)).status);
      // A valid token keeps working all along: from another tailnet address…
      if (i % 10 === 9) expect((await initialize(gw.url, viaServe(ALICE), alice)).status).toBe(200);
    }
    expect(attacker.slice(0, limit)).toEqual(Array(limit).fill(401));
    expect(attacker.slice(limit)).toEqual(Array(10).fill(429));

    // …and from the very address that is locked out.
    const same = await initialize(gw.url, viaServe(ATTACKER), alice);
    expect(same.status).toBe(200);

    // The guesser is still limited, with a Retry-After and a message that says what to do.
    const locked = await initialize(gw.url, viaServe(ATTACKER), 'guess-again');
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect(locked.body).toMatchObject({ code: 'ERR_RATE_LIMITED' });
    expect(locked.body.error_description).toContain('A valid credential is still accepted');

    // Someone else's typo is their own first failure: 401, not 429.
    expect((await initialize(gw.url, viaServe(ALICE), 'typo')).status).toBe(401);
    // A request without any credential (how OAuth clients start) is not a failure.
    expect((await initialize(gw.url, viaServe(ATTACKER))).status).toBe(401);
  });

  it('bad approval-page sign-ins never lock out an approver', async () => {
    const guesser = viaServe('100.64.0.99');
    const statuses: number[] = [];
    for (let i = 0; i < gw.config.rate_limit.auth_failures + 5; i++) {
      statuses.push((await signIn(gw.url, guesser, `guess-${i}`)).status);
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
    const refused = await signIn(gw.url, guesser, 'guess-more');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.text).toContain('A valid credential is still accepted');

    // The approver signs in from the same address and from another one.
    expect((await signIn(gw.url, guesser, approver)).status).toBe(303);
    expect((await signIn(gw.url, viaServe('100.64.0.98'), approver)).status).toBe(303);
    // The page and /mcp count failures together: the guesser is limited on /mcp too.
    expect((await initialize(gw.url, guesser, 'guess-mcp')).status).toBe(429);
  });

  it('a forged X-Forwarded-For list does not move the failures off the address serve wrote', async () => {
    // tailscale serve replaces the header; another local proxy appends to it. Either way
    // the last entry is the one the proxy wrote, so the earlier ones a client adds change nothing.
    const statuses: number[] = [];
    for (let i = 0; i < gw.config.rate_limit.auth_failures + 1; i++) {
      const headers = viaServe(`203.0.113.${i}, 100.64.0.55`);
      statuses.push((await initialize(gw.url, headers, `guess-${i}`)).status);
    }
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('failed sign-ins behind tailscale serve with tailnet identities (behind_serve)', () => {
  let gw: TestGateway;
  let token: string;

  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        public_url: 'https://warden.example.ts.net',
        rate_limit: { auth_failures: 5 },
        auth: {
          modes: ['tailnet', 'token'],
          tailnet: { behind_serve: true, socket: '/nonexistent/tw-test-lockout/tailscaled.sock' },
          users: { 'alice@example.com': ['viewer'] },
        },
      },
    });
    token = await gw.token({ role: 'viewer', name: 'ci' });
  });
  afterAll(() => gw?.close());

  it('counts failures per tailnet user, so one user cannot lock out another on the same address', async () => {
    const mallory = viaServe(ATTACKER, 'mallory@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await initialize(gw.url, mallory, `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);

    // Alice, relayed from the same address: her identity works, and her own typo is a 401.
    const alice = viaServe(ATTACKER, 'alice@example.com');
    expect((await initialize(gw.url, alice)).status).toBe(200);
    expect((await initialize(gw.url, alice, 'typo')).status).toBe(401);
    // A valid token from the locked-out user works too.
    expect((await initialize(gw.url, mallory, token)).status).toBe(200);
    expect((await initialize(gw.url, mallory, 'guess-again')).status).toBe(429);
  });
});

describe('failed sign-ins with an OAuth issuer', () => {
  let idp: TestIdp;
  let gw: TestGateway;
  const PUBLIC_URL = 'https://warden.example.ts.net';

  beforeAll(async () => {
    idp = await startTestIdp({ alice: { email: 'alice@example.com', username: 'alice', roles: ['viewer'] } });
    gw = await startTestGateway({
      config: {
        public_url: PUBLIC_URL,
        rate_limit: { auth_failures: 3 },
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

  it('a locked-out caller cannot make the gateway ask the issuer about new tokens; known ones still work', async () => {
    const known = await idp.mint({ user: 'alice', resource: `${PUBLIC_URL}/mcp` });
    expect((await initialize(gw.url, viaServe(ATTACKER), known)).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await initialize(gw.url, viaServe(ATTACKER), `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    const asked = idp.counts.introspection;
    for (let i = 0; i < 5; i++)
      expect((await initialize(gw.url, viaServe(ATTACKER), `more-guess-${i}`)).status).toBe(429);
    expect(idp.counts.introspection).toBe(asked);

    // A token the gateway has already checked is accepted from the locked-out address.
    expect((await initialize(gw.url, viaServe(ATTACKER), known)).status).toBe(200);
    // A new valid token from another caller is checked with the issuer as usual.
    const fresh = await idp.mint({ user: 'alice', resource: `${PUBLIC_URL}/mcp` });
    expect((await initialize(gw.url, viaServe(ALICE), fresh)).status).toBe(200);
    expect(idp.counts.introspection).toBeGreaterThan(asked);
  });
});

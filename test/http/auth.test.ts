import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { INITIALIZE, jsonOf, rawMcp, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { waitFor } from '../support/wait.ts';

describe('authentication with local tokens', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ config: { rate_limit: { auth_failures: 1000 } } });
  });
  afterAll(() => gw.close());

  it('answers a request without credentials with 401 and a Bearer challenge', async () => {
    const res = await rawMcp(gw.url, { body: INITIALIZE });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tailwarden"/);
    expect(res.headers.get('www-authenticate')).not.toContain('invalid_token');
    expect((await jsonOf(res)).code).toBe('ERR_AUTH_REQUIRED');
  });

  it.each([
    ['garbage', 'Bearer not-a-token'],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['a JWT from someone else', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ])('refuses %s with 401 invalid_token', async (_what, authorization) => {
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await gw.token({ role: 'viewer' });
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${flipped}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses an expired token and says how to get a new one', async () => {
    const token = await gw.token({ role: 'viewer', ttlMs: 1000 });
    await new Promise((r) => setTimeout(r, 1100));
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    const body = await jsonOf(res);
    expect(body.error_description).toMatch(/expired.*tailwarden token create/);
  });

  it('refuses a revoked token from the next request, even inside an open session', async () => {
    const token = await gw.token({ role: 'viewer', name: 'to-revoke' });
    const client = await gw.client(token);
    await client.listTools();
    const id = gw.gateway.tokens.list().find((t) => t.name === 'to-revoke')!.id;
    expect(gw.gateway.tokens.revoke(id)).toBe(true);
    await expect(client.listTools()).rejects.toThrow();
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toContain('revoked');
  });

  it('refuses a token revoked by `tailwarden token revoke` (another process) from the next request', async () => {
    const token = await gw.token({ role: 'viewer', name: 'revoked-elsewhere' });
    const client = await gw.client(token);
    // Used several times first, so the gateway holds the token's record in memory.
    for (let i = 0; i < 3; i++) await client.listTools();
    const id = gw.gateway.tokens.list().find((t) => t.name === 'revoked-elsewhere')!.id;
    const revoked = await runCli(['token', 'revoke', id, '--state-dir', gw.stateDir]);
    expect(revoked.code).toBe(0);
    await expect(client.listTools()).rejects.toThrow();
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error_description).toContain('revoked');
  });

  it('records last use of a token', async () => {
    const token = await gw.token({ role: 'viewer', name: 'used' });
    await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    expect(gw.gateway.tokens.list().find((t) => t.name === 'used')!.lastUsedAt).toBeGreaterThan(0);
  });

  it('never logs the bearer token', async () => {
    const token = await gw.token({ role: 'viewer' });
    await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}x` } });
    expect(JSON.stringify(gw.logs)).not.toContain(token.slice(-40));
  });
});

describe('sessions', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { http: { max_sessions: 3, max_sessions_per_principal: 2 } } });
  });
  afterAll(() => gw.close());

  async function openSession(token: string): Promise<string> {
    const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await res.text();
    return res.headers.get('mcp-session-id')!;
  }

  it('refuses another principal presenting a session id', async () => {
    const alice = await gw.token({ role: 'viewer', name: 'alice' });
    const mallory = await gw.token({ role: 'admin', name: 'mallory' });
    const sessionId = await openSession(alice);
    const res = await rawMcp(gw.url, {
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      headers: {
        authorization: `Bearer ${mallory}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(res.status).toBe(403);
    expect((await jsonOf(res)).error.message).toContain('belongs to another principal');
    const own = await rawMcp(gw.url, {
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      headers: {
        authorization: `Bearer ${alice}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(own.status).toBe(200);
    await own.text();
  });

  it('answers an unknown session with 404 and a missing one with 400', async () => {
    const token = await gw.token({ role: 'viewer' });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const unknown = await rawMcp(gw.url, {
      body,
      headers: { authorization: `Bearer ${token}`, 'mcp-session-id': 'nope' },
    });
    expect(unknown.status).toBe(404);
    const missing = await rawMcp(gw.url, { body, headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(400);
  });

  it('frees a session on DELETE', async () => {
    const dave = await gw.token({ role: 'viewer', name: 'dave' });
    const open = async () =>
      Number(
        (await (await fetch(`${gw.url}/metrics`)).text()).match(/tailwarden_mcp_sessions_open (\d+)/)![1],
      );
    const before = await open();
    const sessionId = await openSession(dave);
    expect(await open()).toBe(before + 1);
    const res = await rawMcp(gw.url, {
      method: 'DELETE',
      headers: {
        authorization: `Bearer ${dave}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(res.status).toBe(200);
    expect(await open()).toBe(before);
  });
});

describe('session caps', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { http: { max_sessions: 3, max_sessions_per_principal: 2 } } });
  });
  afterAll(() => gw.close());

  const open = (token: string) =>
    rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${token}` } });

  it('caps sessions per principal, then in total, with a clear 503', async () => {
    const bob = await gw.token({ role: 'viewer', name: 'bob' });
    expect((await open(bob)).status).toBe(200);
    expect((await open(bob)).status).toBe(200);
    const third = await open(bob);
    expect(third.status).toBe(503);
    expect((await jsonOf(third)).error.message).toContain('max_sessions_per_principal');
    const carol = await gw.token({ role: 'viewer', name: 'carol' });
    expect((await open(carol)).status).toBe(200);
    const full = await open(carol);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBeTruthy();
    expect((await jsonOf(full)).error.message).toContain('http.max_sessions');
  });

  it('closes idle sessions', async () => {
    await gw.close();
    gw = await startTestGateway({ config: { http: { session_idle_timeout: '1s' } } });
    const erin = await gw.token({ role: 'viewer', name: 'erin' });
    const res = await open(erin);
    const sessionId = res.headers.get('mcp-session-id')!;
    await res.text();
    // Wait for the sweeper to close it (a request on the session would keep it alive).
    await waitFor(
      () => gw.logs.some((l) => l.msg === 'closing idle MCP session' && l.session_id === sessionId),
      'the idle session to be closed',
    );
    const later = await rawMcp(gw.url, {
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      headers: { authorization: `Bearer ${erin}`, 'mcp-session-id': sessionId },
    });
    expect(later.status).toBe(404);
  });
});

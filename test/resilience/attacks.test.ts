import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, pendingFor, textOf } from '../approvals/helpers.ts';
import { GATEWAY_CLIENT, startTestIdp, type TestIdp } from '../auth/support/idp.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { keepAliveAgent, type RawResponse, send } from './support/http.ts';
import { openRawSession } from './support/target.ts';

const PUBLIC_URL = 'https://warden.example.ts.net';
const RESOURCE = `${PUBLIC_URL}/mcp`;
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} });

describe('attacks on sessions and tokens', () => {
  let idp: TestIdp;
  let gw: TestGateway;
  const agent = keepAliveAgent(4);

  /** tools/list on a session, as a raw request: the status is what the attacker sees. */
  const listOn = (token: string, sessionId: string): Promise<RawResponse> =>
    send(gw.url, agent, {
      headers: {
        host: new URL(gw.url).host,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: LIST,
    });

  beforeAll(async () => {
    idp = await startTestIdp({
      alice: { email: 'alice@example.com', username: 'alice', roles: ['admin'] },
      mallory: { email: 'mallory@example.com', username: 'mallory', roles: ['admin'] },
    });
    gw = await startTestGateway({
      modules: [testModule],
      config: {
        public_url: PUBLIC_URL,
        rate_limit: { auth_failures: 10_000 },
        auth: {
          modes: ['token', 'oidc'],
          oidc: { issuer: idp.issuer, client_id: GATEWAY_CLIENT.id, client_secret: GATEWAY_CLIENT.secret },
        },
      },
    });
  });
  afterAll(async () => {
    agent.destroy();
    await gw?.close();
    await idp?.close();
  });

  it('session fixation: a client-chosen session id is never adopted, and an unknown id gets 404', async () => {
    const token = await gw.token({ role: 'admin', name: 'alice' });
    const chosen = 'fixated-session-0123456789abcdef';
    const res = await send(gw.url, agent, {
      headers: {
        host: new URL(gw.url).host,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-session-id': chosen,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(res.headers['mcp-session-id']).not.toBe(chosen);
    expect(res.status).toBeLessThan(500);
    const fixated = await listOn(token, chosen);
    expect(fixated.status).toBe(404);
    expect((await listOn(token, crypto.randomUUID())).status).toBe(404);
  });

  it('cross-principal session use is refused with 403, between token and oidc principals alike', async () => {
    const aliceToken = await gw.token({ role: 'admin', name: 'alice' });
    const malloryToken = await gw.token({ role: 'admin', name: 'mallory' });
    const aliceOidc = await idp.mint({ user: 'alice', resource: RESOURCE });
    const malloryOidc = await idp.mint({ user: 'mallory', resource: RESOURCE });

    const tokenSession = await openRawSession(gw.url, agent, aliceToken);
    const oidcSession = await openRawSession(gw.url, agent, aliceOidc);
    const cases: [string, string, string][] = [
      ['token → token', malloryToken, tokenSession],
      ['oidc → token', malloryOidc, tokenSession],
      ['token → oidc', malloryToken, oidcSession],
      ['oidc → oidc', malloryOidc, oidcSession],
      // Same display name, other mode: "alice" by token is not "alice" at the issuer.
      ['alice oidc → alice token', aliceOidc, tokenSession],
      ['alice token → alice oidc', aliceToken, oidcSession],
    ];
    for (const [what, token, session] of cases) {
      const res = await listOn(token, session);
      expect(res.status, what).toBe(403);
      expect(res.body, what).not.toContain('test_echo');
    }
    // The owners still use their sessions.
    expect((await listOn(aliceToken, tokenSession)).status).toBe(200);
    expect((await listOn(aliceOidc, oidcSession)).status).toBe(200);
  });

  it('token replay after `tailwarden token revoke`: 401 from the next request, even in an open session', async () => {
    const { record, token } = await gw.gateway.tokens.create({
      name: 'to-revoke',
      role: 'admin',
      permissions: [],
      ttlMs: 3_600_000,
    });
    const session = await openRawSession(gw.url, agent, token);
    const client = await gw.client(token);
    expect((await listOn(token, session)).status).toBe(200);

    const revoked = await cli(gw.stateDir, 'token', 'revoke', record.id);
    expect(revoked, revoked.stderr).toMatchObject({ code: 0 });

    const replay = await listOn(token, session);
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toContain('invalid_token');
    await expect(client.callTool({ name: 'test_echo', arguments: { text: 'hi' } })).rejects.toThrow();
    const audited = (await gw.auditRecords()).filter(
      (r) => r.event === 'tool.decision' && JSON.stringify(r.principal).includes('to-revoke'),
    );
    expect(audited).toEqual([]);
  });

  it('audience confusion: an oidc token issued for another resource gets 401', async () => {
    for (const resource of ['https://other.example.ts.net/mcp', `${PUBLIC_URL}/mcp/../evil`, PUBLIC_URL]) {
      const token = await idp.mint({ user: 'alice', resource });
      const res = await send(gw.url, agent, {
        headers: {
          host: new URL(gw.url).host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
        },
        body: LIST,
      });
      expect(res.status, resource).toBe(401);
      expect(res.headers['www-authenticate'], resource).toContain('invalid_token');
    }
    // And the same token is no good in alice's open session either.
    const session = await openRawSession(
      gw.url,
      agent,
      await idp.mint({ user: 'alice', resource: RESOURCE }),
    );
    const foreign = await idp.mint({ user: 'alice', resource: 'https://other.example.ts.net/mcp' });
    expect((await listOn(foreign, session)).status).toBe(401);
  });
});

describe('approval replay', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '0s' } } });
  });
  afterAll(() => gw?.close());

  it('an approved approval_id runs exactly one call, also when replayed in parallel and from another session', async () => {
    const token = await gw.token({ role: 'admin', name: 'alice' });
    const client = await gw.client(token);
    const first = await client.callTool({ name: 'test_thing_wipe', arguments: { name: 'vault' } });
    expect(textOf(first)).toContain('ERR_APPROVAL_PENDING');
    const { id } = await pendingFor(gw, 'test_thing_wipe');
    expect((await cli(gw.stateDir, 'approvals', 'approve', id)).code).toBe(0);

    const second = await gw.client(token);
    const attempts = await Promise.all(
      [client, client, second, second, client].map((c) =>
        c.callTool({ name: 'test_thing_wipe', arguments: { name: 'vault', approval_id: id } }),
      ),
    );
    // One of them runs; the others are told it is running (ERR_CONFLICT) or, once it has finished,
    // get the result it left (the same text), never a second run.
    const answered = attempts.filter((r) => !r.isError);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const r of answered) expect(textOf(r)).toBe(textOf(answered[0]));
    for (const refused of attempts.filter((r) => r.isError))
      expect(textOf(refused)).toMatch(/^\[(ERR_CONFLICT|ERR_APPROVAL_[A-Z]+)\]/);
    const later = await client.callTool({
      name: 'test_thing_wipe',
      arguments: { name: 'vault', approval_id: id },
    });
    expect(later.isError).toBeFalsy();
    expect(textOf(later)).toBe(textOf(answered[0]));
    const runs = (await gw.auditRecords()).filter(
      (r) => r.event === 'tool.outcome' && r.tool === 'test_thing_wipe' && r.outcome === 'ok',
    );
    expect(runs).toHaveLength(1);
  });
});

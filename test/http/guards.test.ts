import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE, jsonOf, rawMcp, startTestGateway, type TestGateway } from '../support/gateway.ts';

/** fetch() will not let a test forge Host, so send it with node:http. */
function withHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: { host, 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject);
    req.end(INITIALIZE);
  });
}

describe('HTTP guards', () => {
  let gw: TestGateway;
  let token: string; // used by the first tests only: the per-principal limit is 5 requests a minute

  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        public_url: 'https://warden.example.ts.net',
        extra_hosts: ['warden.lan'],
        allowed_origins: ['http://localhost:6274'],
        http: { body_limit: '64KiB' },
        rate_limit: { per_principal: 5, auth_failures: 3 },
      },
    });
    token = await gw.token({ role: 'viewer' });
  });
  afterAll(() => gw.close());

  it('refuses a Host the gateway is not known as (DNS rebinding) with 403', async () => {
    expect(await withHost(gw.url, 'evil.example.com')).toBe(403);
    expect(await withHost(gw.url, 'evil.example.com:80')).toBe(403);
  });

  it('accepts the listen address, the public URL host and extra hosts', async () => {
    const auth = { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream' };
    expect(await withHost(gw.url, 'warden.example.ts.net', auth)).toBe(200);
    expect(await withHost(gw.url, 'warden.lan:8080', auth)).toBe(200);
    expect(await withHost(gw.url, 'localhost:1234', auth)).toBe(200);
  });

  it('refuses a foreign Origin with 403 and accepts allowed ones', async () => {
    const evil = await rawMcp(gw.url, {
      body: INITIALIZE,
      headers: { origin: 'https://evil.example.com', authorization: `Bearer ${token}` },
    });
    expect(evil.status).toBe(403);
    expect((await jsonOf(evil)).message).toContain('allowed_origins');
    const nullOrigin = await rawMcp(gw.url, {
      body: INITIALIZE,
      headers: { origin: 'null', authorization: `Bearer ${token}` },
    });
    expect(nullOrigin.status).toBe(403);
    const inspector = await rawMcp(gw.url, {
      body: INITIALIZE,
      headers: { origin: 'http://localhost:6274', authorization: `Bearer ${token}` },
    });
    expect(inspector.status).toBe(200);
    await inspector.text();
    const self = await rawMcp(gw.url, {
      body: INITIALIZE,
      headers: { origin: 'https://warden.example.ts.net', authorization: `Bearer ${token}` },
    });
    expect(self.status).toBe(200);
    await self.text();
  });

  it('answers an oversized body with 413', async () => {
    const token = await gw.token({ role: 'viewer' });
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'x', arguments: { pad: 'a'.repeat(70_000) } },
    });
    const res = await rawMcp(gw.url, { body: big, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(413);
    expect((await jsonOf(res)).error.message).toContain('http.body_limit');
  });

  it('answers malformed JSON with 400 and a JSON-RPC parse error', async () => {
    const token = await gw.token({ role: 'viewer' });
    const res = await rawMcp(gw.url, {
      body: '{"jsonrpc": "2.0", "id": 1,',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    const body = await jsonOf(res);
    expect(body.error.code).toBe(-32700);
    expect(body.jsonrpc).toBe('2.0');
  });

  it('serves /health without auth, with nothing secret', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body).toMatchObject({ status: 'ok' });
    expect(Object.keys(body).sort()).toEqual(['status', 'uptime_s', 'version']);
  });

  it('reports readiness per component', async () => {
    const body = await jsonOf(await fetch(`${gw.url}/ready`));
    expect(body.checks['module.system'].status).toMatch(/ok|degraded/);
    expect(body.checks.audit.status).toBe('ok');
  });

  it('serves metrics to loopback, and refuses relayed requests without metrics:read', async () => {
    const token = await gw.token({ role: 'viewer' });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toContain('tailwarden_http_requests_total');
    const relayed = await fetch(`${gw.url}/metrics`, { headers: { 'x-forwarded-for': '100.64.0.9' } });
    expect(relayed.status).toBe(403);
    const withPermission = await fetch(`${gw.url}/metrics`, {
      headers: { 'x-forwarded-for': '100.64.0.9', authorization: `Bearer ${token}` },
    });
    expect(withPermission.status).toBe(200);
  });

  it('rate-limits a principal with 429 and Retry-After', async () => {
    const limited = await gw.token({ role: 'viewer', name: 'limited' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: `Bearer ${limited}` } });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toBeTruthy();
      await res.text();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('rate-limits failed authentication per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await rawMcp(gw.url, { body: INITIALIZE, headers: { authorization: 'Bearer wrong' } });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

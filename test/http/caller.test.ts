import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AuthFailureLimit } from '../../src/http/auth-failures.ts';
import { callerKey } from '../../src/http/caller.ts';

const req = (ip: string, headers: Record<string, string> = {}) =>
  ({ ip, headers }) as unknown as FastifyRequest;

describe('callerKey: whose failures are counted together', () => {
  it('trusts Tailscale-User-Login only from a loopback peer, and only with behind_serve', () => {
    const login = { 'tailscale-user-login': 'Alice@Example.com', 'x-forwarded-for': '100.64.0.7' };
    expect(callerKey(req('127.0.0.1', login), true)).toBe('tailnet-user:alice@example.com');
    expect(callerKey(req('::1', login), true)).toBe('tailnet-user:alice@example.com');
    // behind_serve off: the forwarded address, not the header anyone could send.
    expect(callerKey(req('127.0.0.1', login), false)).toBe('addr:100.64.0.7');
    // Not from a loopback peer: neither header counts.
    expect(callerKey(req('100.64.0.9', login), true)).toBe('addr:100.64.0.9');
    expect(callerKey(req('192.168.1.20', { 'x-forwarded-for': '10.0.0.1' }), true)).toBe('addr:192.168.1.20');
  });

  it('takes the last X-Forwarded-For entry (the one the local proxy wrote) and ignores junk', () => {
    expect(callerKey(req('127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 100.64.0.7' }), false)).toBe(
      'addr:100.64.0.7',
    );
    expect(callerKey(req('127.0.0.1', { 'x-forwarded-for': 'not-an-address' }), false)).toBe(
      'addr:127.0.0.1',
    );
    expect(callerKey(req('::ffff:127.0.0.1'), false)).toBe('addr:127.0.0.1');
  });

  it('groups IPv6 outside the tailnet by /64, and keeps tailnet IPv6 per node', () => {
    const a = callerKey(req('2001:db8:1:2:aaaa::1'), false);
    const b = callerKey(req('2001:db8:1:2:ffff:1:2:3'), false);
    expect(a).toBe('addr:2001:db8:1:2::/64');
    expect(b).toBe(a);
    expect(callerKey(req('2001:db8::1'), false)).toBe('addr:2001:db8:0:0::/64');
    expect(callerKey(req('::ffff:203.0.113.5'), false)).toBe('addr:203.0.113.5');
    const n1 = callerKey(req('fd7a:115c:a1e0::1'), false);
    const n2 = callerKey(req('fd7a:115c:a1e0::2'), false);
    expect(n1).not.toBe(n2);
  });
});

describe('AuthFailureLimit', () => {
  it('locks a caller out past the limit and keeps its memory bounded', async () => {
    const app = Fastify();
    await app.register(rateLimit, { global: false });
    await app.ready();
    const limit = new AuthFailureLimit(app, { max: 2, trustServeIdentity: false, maxCallers: 50 });
    const caller = req('203.0.113.1');
    (caller as unknown as { routeOptions: object }).routeOptions = {};
    expect(await limit.fail(caller)).toBe(0);
    expect(await limit.lockedFor(caller)).toBe(0);
    expect(await limit.fail(caller)).toBe(0);
    expect(await limit.lockedFor(caller)).toBeGreaterThan(0);
    expect(await limit.fail(caller)).toBeGreaterThan(0);

    // 10,000 other callers later, the oldest entries are forgotten (the store holds 50).
    for (let i = 0; i < 10_000; i++) {
      const other = req(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      (other as unknown as { routeOptions: object }).routeOptions = {};
      await limit.fail(other);
    }
    expect(await limit.lockedFor(caller)).toBe(0);
    await app.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.ts';
import { LocalApiClient } from '../../src/tailscale/localapi.ts';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';

describe('LocalAPI client', () => {
  let fake: FakeTailscaled;
  let client: LocalApiClient;

  beforeAll(async () => {
    fake = await startFakeTailscaled();
    client = new LocalApiClient({ socketPath: fake.socketPath, timeoutMs: 30_000 }); // liveness only
  });
  afterAll(() => fake.close());

  it('sends the Host tailscaled requires and no Origin', async () => {
    const status = await client.status();
    expect(status.BackendState).toBe('Running');
    const seen = fake.requests.at(-1)!;
    expect(seen.headers.host).toBe('local-tailscaled.sock');
    expect(seen.headers.origin).toBeUndefined();
  });

  it('asks for status without peers', async () => {
    const status = await client.status({ peers: false });
    expect(status.Peer).toBeUndefined();
    expect(fake.requests.at(-1)!.url).toBe('/localapi/v0/status?peers=false');
  });

  it('maps whois to the user, node, tags and every grant in CapMap', async () => {
    const who = await client.whois('100.64.0.20:51234');
    expect(who).toEqual({
      nodeId: 'nLAPTOP1',
      nodeName: 'alice-laptop',
      loginName: 'bob@example.com',
      displayName: 'Bob',
      tags: [],
      capMap: { 'example.com/cap/tailwarden': [{ roles: ['viewer'] }, { roles: ['operator'] }] },
    });
    const tagged = await client.whois('100.64.0.30');
    expect(tagged.tags).toEqual(['tag:server']);
  });

  it('says nobody owns an unknown address', async () => {
    await expect(client.whois('100.99.0.1:1')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('writes serve config only with the current ETag', async () => {
    const { config, etag } = await client.serveConfig();
    expect(etag).toMatch(/^"/);
    await client.setServeConfig({ ...config, AllowFunnel: { 'gateway.tail1234.ts.net:443': true } }, etag);
    await expect(client.setServeConfig(config, etag)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
  });

  it('says tailscaled is not running when the socket is missing', async () => {
    const missing = new LocalApiClient({ socketPath: '/nonexistent/tailscaled.sock', timeoutMs: 1000 });
    const error = await missing.status().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('ERR_UPSTREAM_UNAVAILABLE');
    expect((error as GatewayError).message).toContain('the socket does not exist');
  });

  it('says a cancelled request was cancelled, not that tailscaled is down', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client.status({ signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
  });

  it('reports an upstream failure with its status', async () => {
    fake.failWith = 503;
    await expect(client.status()).rejects.toMatchObject({ code: 'ERR_UPSTREAM_FAILED' });
    fake.failWith = undefined;
  });
});

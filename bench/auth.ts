/**
 * Per-request authentication cost: warm introspection cache (mode oidc) vs local
 * tokens, in one run; and the cache hit ratio under a steady load of 50 distinct
 * tokens. Run: node bench/auth.ts
 */
import { authRequest } from '../src/auth/authenticator.ts';
import type { IntrospectionVerifier } from '../src/auth/oidc/introspection-verifier.ts';
import { GATEWAY_CLIENT, startTestIdp } from '../test/auth/support/idp.ts';
import { startTestGateway } from '../test/support/gateway.ts';

const PUBLIC_URL = 'https://warden.example.ts.net';
const ROUNDS = 20_000;

const idp = await startTestIdp({ u: { email: 'u@example.com', username: 'u', roles: ['viewer'] } });
const gw = await startTestGateway({
  config: {
    public_url: PUBLIC_URL,
    log: { level: 'silent' },
    auth: {
      modes: ['token', 'oidc'],
      oidc: { issuer: idp.issuer, client_id: GATEWAY_CLIENT.id, client_secret: GATEWAY_CLIENT.secret },
    },
  },
});
const auth = gw.gateway.authenticator;
const local = await gw.token({ role: 'viewer' });
const opaque = await idp.mint({ user: 'u', resource: `${PUBLIC_URL}/mcp` });
const request = (token: string) => authRequest({ authorization: `Bearer ${token}` }, '127.0.0.1');

async function perRequestMicros(token: string): Promise<number> {
  for (let i = 0; i < 1000; i++) await auth.authenticate(request(token)); // warm up (and fill the cache)
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) await auth.authenticate(request(token));
  return Number(process.hrtime.bigint() - start) / 1000 / ROUNDS;
}

const localUs = await perRequestMicros(local);
const cachedUs = await perRequestMicros(opaque);
console.log(`local token             ${localUs.toFixed(2)} µs/request`);
console.log(
  `oidc, warm cache        ${cachedUs.toFixed(2)} µs/request  (${((cachedUs / localUs - 1) * 100).toFixed(1)} % vs local)`,
);

// Steady load: 50 distinct tokens, requests spread over them for ~10 s of simulated use.
const verifier = auth.verifiers.find((v) => v.mode === 'oidc') as IntrospectionVerifier;
const tokens = await Promise.all(
  Array.from({ length: 50 }, () => idp.mint({ user: 'u', resource: `${PUBLIC_URL}/mcp` })),
);
const startStats = { ...verifier.cache.stats() };
const startIntrospections = idp.counts.introspection;
const deadline = Date.now() + 10_000;
let requests = 0;
while (Date.now() < deadline) {
  await Promise.all(tokens.map((t) => auth.authenticate(request(t))));
  requests += tokens.length;
  await new Promise((r) => setTimeout(r, 20));
}
const stats = verifier.cache.stats();
const hits = stats.hits - startStats.hits;
const misses = stats.misses - startStats.misses;
console.log(
  `steady load, 50 tokens  ${requests} requests, ${idp.counts.introspection - startIntrospections} introspections, hit ratio ${((hits / (hits + misses)) * 100).toFixed(2)} %`,
);
await gw.close();
await idp.close();

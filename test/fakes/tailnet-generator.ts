/**
 * A large, deterministic tailnet for the audit test and the benchmark: the
 * devices look like the admin API's `?fields=all` answer, with a fixed mix of
 * stale, outdated, expiring, untagged, external and route-advertising devices.
 */
const OS = ['linux', 'windows', 'macOS', 'iOS', 'android', 'linux', 'linux'];
const DAY = 86_400_000;

/** Small linear congruential generator: the same seed gives the same tailnet. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export function generateDevices(count: number, now = Date.now(), seed = 42): Record<string, unknown>[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const os = OS[Math.floor(rand() * OS.length)]!;
    const server = os === 'linux' && rand() < 0.6;
    const daysSinceSeen = rand() < 0.15 ? 31 + Math.floor(rand() * 300) : Math.floor(rand() * 5);
    const keyExpiryDisabled = server && rand() < 0.5;
    const expiresInDays = Math.floor(rand() * 180) - 10;
    const router = server && rand() < 0.1;
    const routes = router ? [`10.${i % 250}.0.0/24`, `10.${i % 250}.1.0/24`] : [];
    const enabled = router && rand() < 0.5 ? routes.slice(0, 1) : [];
    const name = `${server ? 'srv' : 'dev'}-${String(i).padStart(4, '0')}`;
    return {
      id: String(100_000 + i),
      nodeId: `n${(100_000 + i).toString(36).toUpperCase()}CNTRL`,
      name: `${name}.tail1234.ts.net`,
      hostname: name,
      addresses: [
        `100.${64 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`,
        `fd7a:115c:a1e0::${i.toString(16)}`,
      ],
      user: server && rand() < 0.7 ? 'tagged-devices' : `user${i % 40}@example.com`,
      os,
      clientVersion: rand() < 0.2 ? '1.80.0-t1-g1' : '1.92.1-t1-g1',
      updateAvailable: rand() < 0.2,
      created: new Date(now - 400 * DAY).toISOString(),
      lastSeen: new Date(now - daysSinceSeen * DAY).toISOString(),
      expires: keyExpiryDisabled ? '0001-01-01T00:00:00Z' : new Date(now + expiresInDays * DAY).toISOString(),
      keyExpiryDisabled,
      authorized: rand() > 0.02,
      isExternal: !server && rand() < 0.03,
      tags: server && rand() < 0.7 ? ['tag:server'] : [],
      advertisedRoutes: routes,
      enabledRoutes: enabled,
      connectedToControl: daysSinceSeen === 0 && rand() < 0.8,
      blocksIncomingConnections: false,
      clientConnectivity: {
        endpoints: [`192.0.2.${i % 256}:41641`],
        latency: { fra: { latencyMs: 12.5, preferred: true }, ams: { latencyMs: 18.1 } },
        mappingVariesByDestIP: false,
        clientSupports: { hairPinning: false, ipv6: true, pcp: false, pmp: false, udp: true, upnp: false },
      },
    };
  });
}

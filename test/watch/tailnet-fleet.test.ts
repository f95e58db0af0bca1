import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshModule } from '../../src/modules/ssh/index.ts';
import { tailscaleModule } from '../../src/modules/tailscale/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';
import { startWatchHarness, type WatchHarness } from './support.ts';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Tailnet peers through a fake tailscaled (the control plane cannot run here; the fake
 * follows the LocalAPI contract) and a fleet host that does not answer (a real SSH client
 * against a closed loopback port).
 */
describe('watch: tailnet peers and fleet hosts', { timeout: 180_000 }, () => {
  let tailscaled: FakeTailscaled;
  let h: WatchHarness;
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-watch-fleet-'));

  beforeAll(async () => {
    tailscaled = await startFakeTailscaled();
    writeFileSync(join(dir, 'key'), 'not a key', { mode: 0o600 });
    h = await startWatchHarness({
      modules: [tailscaleModule as ToolModule, sshModule as ToolModule],
      config: {
        modules: {
          tailscale: { enabled: true, socket: tailscaled.socketPath },
          ssh: {
            enabled: true,
            connect_timeout: '2s',
            hosts: [
              {
                name: 'gone',
                address: '127.0.0.1',
                port: await closedPort(),
                key_file: join(dir, 'key'),
                host_key: `SHA256:${'A'.repeat(43)}`,
              },
            ],
          },
        },
        watch: {
          fleet_interval: '15s',
          tailscale_interval: '15s',
          rules: [{ name: 'nas-offline', kind: 'tailscale_offline', devices: 'nas*', for: '30m' }],
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await tailscaled?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (rule: string) =>
    (await h.ok('watch_alerts_list')).alerts.filter((a: { rule: string }) => a.rule === rule);

  it('fires for a peer offline for longer than the rule allows and for a node key about to expire', async () => {
    await h.collect();
    expect(await open('nas-offline')).toMatchObject([{ labels: { device: 'nas' }, area: 'tailscale' }]);
    const keys = await open('tailscale-key-expiry');
    expect(keys.map((a: { labels: { device: string } }) => a.labels.device)).toEqual(['nas']);
    const online = await h.ok('watch_history', {
      series: 'tailscale.peers.online',
      from: '10m ago',
      to: 'in 10m',
    });
    expect(online.results[0].points.at(-1).max).toBe(1);
  });

  it('records a peer going offline as an event', async () => {
    const peers = tailscaled.status.Peer as Record<string, Record<string, unknown>>;
    const alice = Object.values(peers).find((p) => String(p.DNSName).startsWith('alice'))!;
    alice.Online = false;
    await h.collect();
    const events = await h.ok('watch_events', { from: '10m ago', to: 'in 10m', include_audit: false });
    expect(events.items).toContainEqual(
      expect.objectContaining({ kind: 'peer.offline', subject: 'alice-laptop' }),
    );
    alice.Online = true;
  });

  it('fires fleet-unreachable once a host has not answered for five minutes', async () => {
    await h.collect();
    const status = await h.ok('watch_status');
    expect(status.collector.sources.fleet.runs).toBeGreaterThan(0);
    expect(await open('fleet-unreachable')).toEqual([]);
    await h.jump(6 * 60_000);
    expect(await open('fleet-unreachable')).toMatchObject([
      { labels: { host: 'gone' }, severity: 'critical', area: 'fleet' },
    ]);
    // A caller without ssh:read does not see fleet alerts.
    const viewer = await h.gw.client(await h.gw.token({ permissions: ['system:read', 'tailscale:read'] }));
    const listed = (await viewer.callTool({ name: 'watch_alerts_list', arguments: {} })) as unknown as {
      structuredContent: { alerts: { area: string }[] };
    };
    expect(listed.structuredContent.alerts.some((a) => a.area === 'fleet')).toBe(false);
  });
});

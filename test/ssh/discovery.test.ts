import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceSource, TailnetDevice } from '../../src/modules/ssh/discovery.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import { hostsList } from '../../src/modules/ssh/tools.ts';
import { tailscaleModule } from '../../src/modules/tailscale/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startFakeTailscaled } from '../fakes/tailscaled.ts';
import { startTestGateway } from '../support/gateway.ts';
import { testFleet } from './fleet-support.ts';

// tailscaled cannot run here: a device list as the Tailscale module would hand it over.
const DEVICES: TailnetDevice[] = [
  {
    name: 'nas',
    dnsName: 'nas.example.ts.net',
    addresses: ['100.64.0.2'],
    tags: ['tag:server'],
    online: true,
  },
  {
    name: 'pi',
    dnsName: 'pi.example.ts.net',
    addresses: ['100.64.0.3'],
    tags: ['tag:server'],
    online: false,
  },
  { name: 'phone', dnsName: 'phone.example.ts.net', addresses: ['100.64.0.4'], tags: [], online: true },
  {
    name: 'old',
    dnsName: 'old.example.ts.net',
    addresses: ['100.64.0.5'],
    tags: ['tag:server'],
    online: true,
  },
];

describe('tailnet discovery of hosts', () => {
  const t = testFleet({
    discovery_tag: 'tag:server',
    hosts: [
      { name: 'nas', address: 'nas.example.ts.net', key_file: '/nonexistent' },
      { name: 'legacy', address: '100.64.0.5', key_file: '/nonexistent' },
    ],
  });
  afterAll(() => t.close());

  it('lists tagged devices that are not configured as untrusted candidates', async () => {
    const source: DeviceSource = { listDevices: async () => DEVICES };
    t.fleet.deviceSource = source;
    const ctx = { ssh: t.fleet, signal: new AbortController().signal } as Parameters<
      typeof hostsList.handler
    >[1];
    const listed = await hostsList.handler({}, ctx);
    expect(listed.candidates).toEqual([
      { name: 'pi', address: 'pi.example.ts.net', online: false, tags: ['tag:server'] },
    ]);
    expect(listed.hosts.map((h) => [h.name, h.pinned])).toEqual([
      ['nas', false],
      ['legacy', false],
    ]);
  });

  it('shows no candidates without a device source (Tailscale module not running)', async () => {
    t.fleet.deviceSource = undefined;
    const ctx = { ssh: t.fleet, signal: new AbortController().signal } as Parameters<
      typeof hostsList.handler
    >[1];
    expect((await hostsList.handler({}, ctx)).candidates).toEqual([]);
  });
});

describe('tailnet discovery through the tailscale module (fake tailscaled)', () => {
  it('offers tagged tailnet peers that are not configured as candidates, never as hosts', async () => {
    const tailscaled = await startFakeTailscaled();
    const gw = await startTestGateway({
      modules: [tailscaleModule as ToolModule, sshModule as ToolModule],
      config: {
        modules: {
          tailscale: { enabled: true, socket: tailscaled.socketPath },
          ssh: { enabled: true, discovery_tag: 'tag:server', hosts: [] },
        },
      },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'viewer' }));
      const result = await client.callTool({ name: 'ssh_hosts_list', arguments: {} });
      expect(result.isError).toBeFalsy();
      const { hosts, candidates } = result.structuredContent as {
        hosts: unknown[];
        candidates: { name: string; address: string; online: boolean }[];
      };
      expect(hosts).toEqual([]);
      // The fixture's peers: nas is tagged tag:server, alice-laptop is not.
      expect(candidates).toEqual([
        { name: 'nas', address: 'nas.tail1234.ts.net', online: false, tags: ['tag:server'] },
      ]);
    } finally {
      await gw.close();
      await tailscaled.close();
    }
  });
});

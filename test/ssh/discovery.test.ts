import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceSource, TailnetDevice } from '../../src/modules/ssh/discovery.ts';
import { hostsList } from '../../src/modules/ssh/tools.ts';
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

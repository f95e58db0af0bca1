import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { loadSysteminformation } from '../../util/lazy-require.ts';
import { knownNumber, knownText } from '../../util/placeholders.ts';
import { systemTool } from './context.ts';
import { sharedRead } from './shared-read.ts';

// systeminformation gathers interfaces with synchronous child processes (~250 ms of blocked event
// loop each): concurrent callers share one call in flight and its result for a few seconds.
const sharedNetworkInterfaces = sharedRead(
  () =>
    loadSysteminformation()
      .networkInterfaces()
      .then((l) => (Array.isArray(l) ? l : [l])),
  5_000,
);

export const networkInterfaces = systemTool({
  name: 'system_network_interfaces',
  title: 'System: Network interfaces',
  description:
    'Network interfaces with their addresses, MAC, state, MTU and speed (includes the tailscale0 interface when present).',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    include_loopback: z.boolean().default(false).describe('Also list the loopback interface'),
    format: formatArg,
  }),
  output: z.object({
    interfaces: z.array(
      z.object({
        name: z.string(),
        state: z.string(),
        ipv4: z.string().nullable(),
        ipv4_netmask: z.string().nullable(),
        ipv6: z.string().nullable(),
        mac: z.string().nullable(),
        mtu: z.number().nullable(),
        speed_mbps: z.number().nullable(),
        is_default: z.boolean(),
        is_virtual: z.boolean(),
      }),
    ),
  }),
  handler: async ({ include_loopback }) => {
    const interfaces = (await sharedNetworkInterfaces())
      .filter((i) => include_loopback || !i.internal)
      .map((i) => ({
        name: i.iface,
        state: i.operstate,
        ipv4: knownText(i.ip4),
        ipv4_netmask: knownText(i.ip4subnet),
        ipv6: knownText(i.ip6),
        mac: knownText(i.mac),
        mtu: knownNumber(i.mtu),
        speed_mbps: knownNumber(i.speed),
        is_default: i.default,
        is_virtual: i.virtual,
      }));
    return { interfaces };
  },
});

export const networkIo = systemTool({
  name: 'system_network_io',
  title: 'System: Network throughput',
  description:
    'Bytes received and sent per interface, with rates (bytes/s) over the last sampling interval, and error counters.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({
    interfaces: z.array(
      z.object({
        iface: z.string(),
        state: z.string(),
        rx_bytes: z.number(),
        tx_bytes: z.number(),
        rx_bytes_per_s: z.number().nullable(),
        tx_bytes_per_s: z.number().nullable(),
        rx_errors: z.number(),
        tx_errors: z.number(),
      }),
    ),
    sampled_at: z.string(),
  }),
  handler: async (_input, { system }) => {
    const sample = await system.sampler.current();
    if (!sample)
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'The host sampler has no data yet; retry in a few seconds.',
      );
    return { interfaces: sample.network, sampled_at: new Date(sample.sampledAt).toISOString() };
  },
});

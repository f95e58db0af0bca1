import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';
import type { TailscaleContext } from '../tailscale/context.ts';
import type { DeviceSource, TailnetDevice } from './discovery.ts';

/**
 * Tailnet devices as this node's tailscaled sees them (LocalAPI status), through
 * the tailscale module when it is on. Looked up at call time, so the order the
 * modules start in does not matter; with the module off there are no candidates.
 */
export function tailnetDeviceSource(peer: (id: string) => unknown): DeviceSource {
  return {
    async listDevices(signal) {
      const tailscale = peer('tailscale') as TailscaleContext | undefined;
      if (!tailscale) return [];
      const status = await tailscale.tailscale.local.status({ signal });
      return Object.values(asRecord(status.Peer)).map((value): TailnetDevice => {
        const node = asRecord(value);
        return {
          name: pickString(node, 'HostName'),
          dnsName: pickString(node, 'DNSName').replace(/\.$/, ''),
          addresses: pickStrings(node, 'TailscaleIPs'),
          tags: pickStrings(node, 'Tags'),
          online: node.Online === true,
        };
      });
    },
  };
}

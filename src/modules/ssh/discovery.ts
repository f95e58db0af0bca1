import type { HostEntry } from './config.ts';

/**
 * The one thing the fleet needs from the Tailscale module: the tailnet's
 * devices. Candidates found this way are only shown, never trusted — a host
 * is reachable only once it is in the config and its key is pinned.
 */
export interface TailnetDevice {
  /** MagicDNS short name, e.g. "nas". */
  name: string;
  /** FQDN, e.g. "nas.example.ts.net". */
  dnsName: string;
  addresses: string[];
  tags: string[];
  online: boolean;
}

export interface DeviceSource {
  listDevices(signal?: AbortSignal): Promise<TailnetDevice[]>;
}

export interface HostCandidate {
  name: string;
  address: string;
  online: boolean;
  tags: string[];
}

/** Devices carrying the discovery tag that no configured host points at yet. */
export function hostCandidates(
  devices: readonly TailnetDevice[],
  tag: string,
  configured: readonly HostEntry[],
): HostCandidate[] {
  const known = new Set(configured.flatMap((h) => [h.name, h.address]));
  return devices
    .filter((d) => d.tags.includes(tag))
    .filter((d) => !known.has(d.name) && !known.has(d.dnsName) && !d.addresses.some((a) => known.has(a)))
    .map((d) => ({
      name: d.name,
      address: d.dnsName || d.addresses[0] || d.name,
      online: d.online,
      tags: d.tags,
    }));
}

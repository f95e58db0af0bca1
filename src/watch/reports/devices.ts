import type { TailscaleContext } from '../../modules/tailscale/context.ts';
import { listDevices } from '../../modules/tailscale/device-api.ts';
import type { Device } from '../../modules/tailscale/device-model.ts';
import { toPeer } from '../../modules/tailscale/local.ts';
import { asRecord } from '../../tailscale/localapi.ts';

type Clients = Pick<TailscaleContext['tailscale'], 'admin' | 'local'>;

/** Every tailnet device from the admin API; without its credentials, the peers this node sees. */
export async function collectDevices(
  tailscale: Clients,
  signal: AbortSignal,
  now: number,
): Promise<{ source: string; devices: Partial<Device>[] }> {
  if (tailscale.admin.configured)
    return {
      source: 'admin API',
      devices: await listDevices({ tailscale: tailscale as TailscaleContext['tailscale'], signal }, now),
    };
  const status = await tailscale.local.status({ signal });
  const users = asRecord(status.User);
  const devices = Object.values(asRecord(status.Peer)).map((p) => {
    const peer = toPeer(p, users);
    return {
      id: peer.id,
      name: peer.name,
      hostname: peer.fqdn,
      os: peer.os,
      user: peer.user,
      tags: peer.tags,
      addresses: peer.addresses,
      online: peer.online,
      last_seen: peer.last_seen,
      key_expires: peer.key_expiry,
    };
  });
  return { source: 'peers of this node', devices };
}

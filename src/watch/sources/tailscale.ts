import type { TailscaleContext } from '../../modules/tailscale/context.ts';
import { toPeer } from '../../modules/tailscale/local.ts';
import { asRecord } from '../../tailscale/localapi.ts';
import type { Source } from './source.ts';

const MAX_PEERS = 5000;

/** Peers as this node's tailscaled sees them: online counts, and peers going offline or coming back. */
export function tailscaleSource(tailscale: TailscaleContext['tailscale'], everyMs: number): Source {
  const online = new Map<string, boolean>();
  return {
    id: 'tailscale',
    area: 'tailscale',
    everyMs,
    async run(ctx) {
      const status = await tailscale.local.status({ signal: ctx.signal });
      const users = asRecord(status.User);
      const peers = Object.values(asRecord(status.Peer))
        .slice(0, MAX_PEERS)
        .map((p) => toPeer(p, users));
      ctx.record('tailscale.peers.total', {}, peers.length);
      ctx.record('tailscale.peers.online', {}, peers.filter((p) => p.online).length);
      for (const peer of peers) {
        const before = online.get(peer.name);
        if (before !== undefined && before !== peer.online)
          ctx.event(peer.online ? 'peer.online' : 'peer.offline', peer.name, { id: peer.id, os: peer.os });
        online.set(peer.name, peer.online);
        ctx.fact('peer', peer.name, {
          id: peer.id,
          online: peer.online,
          last_seen: peer.last_seen,
          key_expiry: peer.key_expiry,
          tags: peer.tags,
          os: peer.os,
        });
      }
    },
  };
}

import { GatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import type { ProxmoxClient } from './client.ts';
import type { ProxmoxContext } from './context.ts';
import { type Guest, guestFrom } from './model.ts';
import { effectivePermissions, holds } from './privileges.ts';

type Ctx = ToolContext & ProxmoxContext;
export type Resource = Record<string, unknown>;

/** `GET /cluster/resources?type=…`: one request for the whole cluster (every node's guests, nodes or storages). */
export function clusterResources(
  client: ProxmoxClient,
  type: 'vm' | 'node' | 'storage',
  signal: AbortSignal,
): Promise<Resource[]> {
  const what = type === 'vm' ? 'guests' : type === 'node' ? 'nodes' : 'storages';
  return client
    .get<Resource[]>('/cluster/resources', { type }, { action: `list the ${what} of the cluster`, signal })
    .then((rows) => (Array.isArray(rows) ? rows : []));
}

export interface GuestRef {
  client: ProxmoxClient;
  guest: Guest;
  /** `/nodes/{node}/{qemu|lxc}/{vmid}` */
  path: string;
}

export function guestPath(guest: Pick<Guest, 'node' | 'type' | 'vmid'>): string {
  return `/nodes/${encodeURIComponent(guest.node)}/${guest.type}/${guest.vmid}`;
}

/**
 * Where a guest lives (node, qemu or lxc), from the cluster resources. When it
 * is not there, say whether it does not exist or the token may not see it.
 */
export async function findGuest(ctx: Ctx, cluster: string | undefined, vmid: number): Promise<GuestRef> {
  const client = ctx.proxmox.clusters.pick(cluster);
  const rows = await clusterResources(client, 'vm', ctx.signal);
  const raw = rows.find((r) => r.vmid === vmid && (r.type === 'qemu' || r.type === 'lxc'));
  if (raw) {
    const guest = guestFrom(client.name, raw);
    return { client, guest, path: guestPath(guest) };
  }
  const perms = await effectivePermissions(client, ctx.signal).catch(() => undefined);
  if (perms && !holds(perms, `/vms/${vmid}`, 'VM.Audit')) {
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `Guest ${vmid} is not visible on Proxmox cluster "${client.name}": the token ${client.tokenId} lacks VM.Audit on /vms/${vmid} (Proxmox hides guests a token may not audit). Grant it: pveum acl modify /vms --tokens '${client.tokenId}' --roles PVEAuditor.`,
    );
  }
  throw new GatewayError(
    'ERR_NOT_FOUND',
    `No guest ${vmid} on Proxmox cluster "${client.name}"; call proxmox_guests_list for the ids.`,
  );
}

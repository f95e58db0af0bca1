import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { SystemContext } from '../system/context.ts';
import { detectVirtualization } from '../system/virtualization.ts';
import type { ProxmoxConfig } from './config.ts';
import type { SelfGuest } from './context.ts';
import type { Guest } from './model.ts';

export const allowSelfArg = z
  .boolean()
  .default(false)
  .describe(
    'Also act when the guest is the one this gateway runs in (it goes down with it, mid-call). Off by default',
  );

/**
 * Which guest the gateway runs in: self_vmid when set, else the Proxmox
 * container id from the host identity (the system module's, or detected here
 * when that module is off). Undefined when not on Proxmox or protect_self is off.
 */
export async function findSelf(
  settings: ProxmoxConfig,
  peer: ((id: string) => unknown) | undefined,
): Promise<SelfGuest | undefined> {
  if (!settings.protect_self) return undefined;
  const cluster = settings.self_cluster;
  if (settings.self_vmid > 0) return { vmid: settings.self_vmid, cluster, source: 'config' };
  const system = peer?.('system') as SystemContext | undefined;
  const detected =
    (await system?.system.identity)?.virtualization.proxmox_ct_id ??
    (await detectVirtualization().catch(() => undefined))?.proxmox_ct_id;
  return detected ? { vmid: detected, cluster, source: 'detected' } : undefined;
}

export function isSelf(self: SelfGuest | undefined, guest: Pick<Guest, 'cluster' | 'vmid'>): boolean {
  return !!self && self.vmid === guest.vmid && (self.cluster === undefined || self.cluster === guest.cluster);
}

/** Refuse to `verb` the gateway's own guest unless the call explicitly allows it. */
export function refuseSelf(
  self: SelfGuest | undefined,
  guest: Pick<Guest, 'cluster' | 'vmid' | 'name'>,
  verb: string,
  allowSelf: boolean,
): void {
  if (allowSelf || !isSelf(self, guest)) return;
  throw new GatewayError(
    'ERR_POLICY_DENIED',
    `Guest ${guest.vmid} (${guest.name || 'unnamed'}) on cluster "${guest.cluster}" is the one this gateway runs in (${self?.source === 'config' ? 'modules.proxmox.self_vmid' : 'detected from the host identity'}); refusing to ${verb} it: the gateway would go down with it and could not report back. If that is really intended, call again with allow_self: true.`,
  );
}

import { toolsWith } from '../../mcp/tool.ts';
import type { Clusters } from './clusters.ts';
import type { ProxmoxConfig } from './config.ts';

/** The guest the gateway itself runs in, protected from power-off and rollback. */
export interface SelfGuest {
  vmid: number;
  /** Only on this cluster; undefined: on every configured cluster. */
  cluster: string | undefined;
  /** How it was found: the config (self_vmid) or the host identity (a Proxmox LXC's container id). */
  source: 'config' | 'detected';
}

/** What every proxmox tool handler receives as `ctx.proxmox`. */
export interface ProxmoxContext {
  proxmox: {
    clusters: Clusters;
    settings: ProxmoxConfig;
    self: SelfGuest | undefined;
    /** tools.timeout: a followed task is given back (still running) before the call would be cut off. */
    toolTimeoutMs: number;
  };
}

export const proxmoxTool = toolsWith<ProxmoxContext>();

import type { Config } from '../../config/schema.ts';
import { toolsWith } from '../../mcp/tool.ts';
import type { FileGuard } from './file-guard.ts';
import type { InventoryStore } from './inventory-store.ts';
import type { NetGuard } from './net-guard.ts';
import type { CommandRunner } from './runner.ts';
import type { HostSampler } from './sampler.ts';
import type { Virtualization } from './virtualization.ts';

export interface HostIdentity {
  hostname: string;
  os: { distro: string; release: string; codename: string; kernel: string; arch: string };
  virtualization: Virtualization;
}

/** What every system tool handler receives as `ctx.system`. */
export interface SystemContext {
  system: {
    sampler: HostSampler;
    /** Read once at start; not awaited there (it forks systemd-detect-virt, ~40 ms before the first answer). */
    identity: Promise<HostIdentity>;
    config: Config['modules']['system'];
    files: FileGuard;
    runner: CommandRunner;
    net: NetGuard;
    inventory: InventoryStore;
  };
}

export const systemTool = toolsWith<SystemContext>();

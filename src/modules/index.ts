import { watchModule } from '../watch/index.ts';
import { dockerModule } from './docker/index.ts';
import { proxmoxModule } from './proxmox/index.ts';
import { sshModule } from './ssh/index.ts';
import { systemModule } from './system/index.ts';
import { tailscaleModule } from './tailscale/index.ts';
import type { ToolModule } from './types.ts';

/** Every module the gateway ships, in the order their tools are listed. */
export const allModules: readonly ToolModule[] = [
  systemModule as ToolModule,
  dockerModule as ToolModule,
  tailscaleModule as ToolModule,
  sshModule as ToolModule,
  proxmoxModule as ToolModule,
  // Last: it reads the other modules' samplers and clients, so they start first.
  watchModule as ToolModule,
];

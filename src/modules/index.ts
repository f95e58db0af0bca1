import { sshModule } from './ssh/index.ts';
import { systemModule } from './system/index.ts';
import type { ToolModule } from './types.ts';

/** Every module the gateway ships, in the order their tools are listed. */
export const allModules: readonly ToolModule[] = [systemModule as ToolModule, sshModule as ToolModule];

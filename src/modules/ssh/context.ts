import { toolsWith } from '../../mcp/tool.ts';
import type { Fleet } from './fleet.ts';

/** What every SSH tool handler receives as `ctx.ssh`. */
export interface SshContext {
  ssh: Fleet;
}

export const sshTool = toolsWith<SshContext>();

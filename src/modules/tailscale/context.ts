import type { Config } from '../../config/schema.ts';
import { toolsWith } from '../../mcp/tool.ts';
import type { StateDb } from '../../state/db.ts';
import type { LocalApiClient } from '../../tailscale/localapi.ts';
import type { AdminApiClient } from './admin/client.ts';

/** What every tailscale tool handler receives as `ctx.tailscale`. */
export interface TailscaleContext {
  tailscale: {
    local: LocalApiClient;
    admin: AdminApiClient;
    db: StateDb;
    config: Config['modules']['tailscale'];
  };
}

export const tailscaleTool = toolsWith<TailscaleContext>();

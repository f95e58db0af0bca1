import type { Config } from '../../config/schema.ts';
import { toolsWith } from '../../mcp/tool.ts';
import type { StateDb } from '../../state/db.ts';
import type { LocalApiClient } from '../../tailscale/localapi.ts';
import type { AdminApiClient } from './admin/client.ts';
import type { PolicyStore } from './policy-store.ts';
import type { ServicesApi } from './services-api.ts';

/** What every tailscale tool handler receives as `ctx.tailscale`. */
export interface TailscaleContext {
  tailscale: {
    local: LocalApiClient;
    admin: AdminApiClient;
    db: StateDb;
    policies: PolicyStore;
    /** The admin API's Services endpoints (which collection path the control server serves is learnt once). */
    services: ServicesApi;
    config: Config['modules']['tailscale'];
    /** HOST:PORT the gateway itself listens on (a Serve mapping to it must not be removed by a tool). */
    gatewayListen: string;
  };
}

export const tailscaleTool = toolsWith<TailscaleContext>();

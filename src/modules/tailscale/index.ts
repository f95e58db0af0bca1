import { LocalApiClient } from '../../tailscale/localapi.ts';
import { defineModule } from '../types.ts';
import { createAdminClient } from './admin/factory.ts';
import type { TailscaleContext } from './context.ts';
import { deviceTools } from './devices.ts';
import { routeTools } from './routes.ts';

export const tailscaleModule = defineModule<TailscaleContext>({
  id: 'tailscale',
  title: 'Tailscale',
  enabled: (config) => config.modules.tailscale.enabled,
  tools: [...deviceTools, ...routeTools],
  start({ config, db }) {
    const settings = config.modules.tailscale;
    const local = new LocalApiClient({ socketPath: settings.socket, timeoutMs: settings.localapi_timeout });
    const admin = createAdminClient(settings);
    return {
      context: { tailscale: { local, admin, db, config: settings } },
      // Health does not call out: a probe per /ready would spend the admin API's rate limit.
      health: () =>
        admin.configured
          ? { status: 'ok', detail: `admin API via ${admin.credentialKind}` }
          : { status: 'degraded', detail: 'admin API credentials not set; only local tools work' },
    };
  },
});

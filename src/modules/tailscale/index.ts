import { existsSync } from 'node:fs';
import { LocalApiClient } from '../../tailscale/localapi.ts';
import { defineModule } from '../types.ts';
import { createAdminClient } from './admin/factory.ts';
import { tailnetAudit } from './audit.ts';
import type { TailscaleContext } from './context.ts';
import { deviceTools } from './devices.ts';
import { dnsTools } from './dns.ts';
import { tailscaleDoctor } from './doctor.ts';
import { keyTools } from './keys.ts';
import { localTools } from './local.ts';
import { policyTools } from './policy.ts';
import { PolicyStore } from './policy-store.ts';
import { tailscalePrompts } from './prompts.ts';
import { routeTools } from './routes.ts';
import { serveTools } from './serve.ts';
import { serviceHostTools } from './service-host.ts';
import { serviceAdminTools } from './services.ts';
import { ServicesApi } from './services-api.ts';
import { tailnetTools } from './tailnet.ts';

/**
 * The local tailscaled (LocalAPI) and the tailnet (admin API v2). Deliberately
 * absent: `tailscale up/down`, changing this node's advertised routes or exit
 * node, and network-lock signing — a mistake there cuts the gateway off.
 */
export const tailscaleModule = defineModule<TailscaleContext>({
  id: 'tailscale',
  title: 'Tailscale',
  enabled: (config) => config.modules.tailscale.enabled,
  areas: {
    node: ['tailscale_status', 'tailscale_peers', 'tailscale_whois'],
    serve: ['tailscale_serve', 'tailscale_funnel'],
    devices: ['tailscale_devices', 'tailscale_device', 'tailscale_routes'],
    dns: ['tailscale_dns'],
    policy: ['tailscale_policy'],
    keys: ['tailscale_keys', 'tailscale_key'],
    services: ['tailscale_service'],
    tailnet: ['tailscale_settings', 'tailscale_users', 'tailscale_services', 'tailscale_audit'],
  },
  tools: [
    ...localTools,
    ...serveTools,
    ...serviceHostTools,
    ...deviceTools,
    ...routeTools,
    ...dnsTools,
    ...policyTools,
    ...keyTools,
    ...tailnetTools,
    ...serviceAdminTools,
    tailnetAudit,
  ],
  prompts: tailscalePrompts,
  doctor: tailscaleDoctor,
  start({ config, db }) {
    const settings = config.modules.tailscale;
    const local = new LocalApiClient({ socketPath: settings.socket, timeoutMs: settings.localapi_timeout });
    const admin = createAdminClient(settings);
    const policies = new PolicyStore(db);
    return {
      context: {
        tailscale: {
          local,
          admin,
          db,
          policies,
          services: new ServicesApi(),
          config: settings,
          gatewayListen: config.listen,
        },
      },
      // Health does not call out: a probe per /ready would spend the admin API's rate limit.
      health: () => {
        const problems = [
          existsSync(settings.socket) ? '' : `tailscaled socket ${settings.socket} not found`,
          admin.configured ? '' : 'admin API credentials not set',
        ].filter(Boolean);
        return problems.length
          ? { status: 'degraded' as const, detail: problems.join('; ') }
          : { status: 'ok' as const, detail: `admin API via ${admin.credentialKind}` };
      },
    };
  },
});

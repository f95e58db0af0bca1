import { existsSync } from 'node:fs';
import { LocalApiClient } from '../../tailscale/localapi.ts';
import { parseListen } from '../../util/listen.ts';
import type { DoctorCheck, DoctorDeps } from '../types.ts';
import { createAdminClient } from './admin/factory.ts';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Handlers of `tailscale serve` that proxy to this gateway's port, as "https://host → target". */
function servedToGateway(serve: Record<string, unknown>, port: number): string[] {
  const web = (serve.Web ?? {}) as Record<string, { Handlers?: Record<string, { Proxy?: string }> }>;
  const found: string[] = [];
  for (const [hostPort, site] of Object.entries(web)) {
    for (const handler of Object.values(site.Handlers ?? {})) {
      if (handler.Proxy && new RegExp(`:${port}(/|$)`).test(handler.Proxy))
        found.push(`https://${hostPort.replace(/:443$/, '')} → ${handler.Proxy}`);
    }
  }
  return found;
}

/** tailscaled's LocalAPI, whether `tailscale serve` publishes the gateway, and the admin API credentials. */
export async function tailscaleDoctor({ config, signal }: DoctorDeps): Promise<DoctorCheck[]> {
  const settings = config.modules.tailscale;
  const checks: DoctorCheck[] = [];
  if (!existsSync(settings.socket)) {
    checks.push({
      check: 'tailscale: local daemon',
      status: 'fail',
      detail: `no tailscaled socket at ${settings.socket}`,
      fix: 'install Tailscale and run `tailscale up` on this machine, or set modules.tailscale.socket',
    });
  } else {
    const local = new LocalApiClient({ socketPath: settings.socket, timeoutMs: settings.localapi_timeout });
    try {
      const status = await local.status({ peers: false, signal });
      const self = (status.Self ?? {}) as { DNSName?: string };
      const state = String(status.BackendState ?? 'unknown');
      checks.push({
        check: 'tailscale: local daemon',
        status: state === 'Running' ? 'ok' : 'fail',
        detail: `tailscaled ${state}${self.DNSName ? ` as ${self.DNSName.replace(/\.$/, '')}` : ''}`,
        ...(state === 'Running' ? {} : { fix: 'tailscale up (the node must be logged in and connected)' }),
      });
      const { port } = parseListen(config.listen);
      const served = servedToGateway((await local.serveConfig(signal)).config, port);
      checks.push(
        served.length > 0
          ? { check: 'tailscale: serve', status: 'ok', detail: served.join(', ') }
          : {
              check: 'tailscale: serve',
              status: 'warn',
              detail: `tailscale serve does not publish port ${port}: only this machine can reach the gateway`,
              fix: `tailscale serve --bg --https=443 http://127.0.0.1:${port}  (then set public_url to the https URL)`,
            },
      );
    } catch (error) {
      checks.push({
        check: 'tailscale: local daemon',
        status: 'fail',
        detail: `the LocalAPI at ${settings.socket} does not answer: ${message(error)}`,
        fix: 'systemctl status tailscaled; the gateway user needs access to the socket (it is root:root 0666 by default)',
      });
    }
  }
  const admin = createAdminClient(settings);
  if (!admin.configured) {
    checks.push({
      check: 'tailscale: admin API',
      status: 'warn',
      detail: 'no credentials: the tailnet tools (devices, routes, DNS, policy, keys) will refuse',
      fix: 'set TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID and _SECRET (or TAILWARDEN_TAILSCALE_API_KEY) in the environment file',
    });
  } else {
    try {
      await admin.request({
        path: admin.tailnetPath('/devices'),
        query: { fields: 'default' },
        action: 'list devices',
        scope: 'devices:core:read',
        signal,
      });
      checks.push({
        check: 'tailscale: admin API',
        status: 'ok',
        detail: `credentials work (${admin.credentialKind})`,
      });
    } catch (error) {
      checks.push({
        check: 'tailscale: admin API',
        status: 'fail',
        detail: `${admin.credentialKind} refused or unreachable: ${message(error)}`,
        fix: 'check the credentials and their scopes in the Tailscale admin console (devices:core:read at least)',
      });
    }
  }
  return checks;
}

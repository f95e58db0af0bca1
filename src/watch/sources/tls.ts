import { isIP } from 'node:net';
import type { SystemContext } from '../../modules/system/context.ts';
import { tlsInspect } from '../../modules/system/net-probes.ts';
import type { Source } from './source.ts';

/** "host:port" or "host" (443); "[v6]:port" for IPv6 literals. */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(endpoint);
  if (bracket) return { host: bracket[1]!, port: Number(bracket[2] ?? 443) };
  const colon = endpoint.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(endpoint.slice(colon + 1)))
    return { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
  return { host: endpoint, port: 443 };
}

/**
 * The certificates of the endpoints named by tls_expiry rules. Each goes through the
 * system module's network guard, as net_tls_check does, so a rule cannot reach what
 * that tool may not.
 */
export function tlsSource(
  system: SystemContext['system'],
  endpoints: () => string[],
  everyMs: number,
): Source {
  return {
    id: 'tls',
    area: 'system',
    everyMs,
    async run(ctx) {
      await Promise.all(
        endpoints().map(async (endpoint) => {
          const { host, port } = splitEndpoint(endpoint);
          try {
            const { addresses } = await system.net.resolve(host);
            const result = await tlsInspect(addresses[0]!, port, isIP(host) ? undefined : host, 10_000);
            const leaf = result.chain[0];
            if (!leaf) throw new Error('no certificate presented');
            const daysLeft = (Date.parse(leaf.valid_to) - ctx.now) / 86_400_000;
            ctx.record('tls.days_left', { endpoint }, daysLeft);
            ctx.fact('tls', endpoint, {
              days_left: daysLeft,
              valid_to: leaf.valid_to,
              subject: leaf.subject,
              error: null,
            });
          } catch (error) {
            ctx.fact('tls', endpoint, { days_left: null, error: (error as Error).message.slice(0, 300) });
          }
        }),
      );
    },
  };
}

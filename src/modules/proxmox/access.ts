import { z } from 'zod';
import { toGatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ProxmoxClient } from './client.ts';
import { Clusters, clusterArg } from './clusters.ts';
import type { ProxmoxConfig } from './config.ts';
import { proxmoxTool } from './context.ts';
import { eachCluster } from './each-cluster.ts';
import { CAPABILITIES, effectivePermissions, judgeCapability } from './privileges.ts';

const capabilitySchema = z.object({
  capability: z.string(),
  what: z.string(),
  status: z
    .enum(['yes', 'partly', 'no'])
    .describe('partly: only on some guests, pools or storages (only_on)'),
  missing: z.array(z.string()),
  only_on: z.array(z.string()),
  tools: z.array(z.string()),
  fix: z.string().optional().describe('A command for the Proxmox host that grants it'),
});

export const accessReportSchema = z.object({
  cluster: z.string(),
  url: z.string(),
  token_id: z.string(),
  reachable: z.boolean(),
  version: z.string().optional(),
  error: z.string().optional().describe('Why the cluster could not be checked'),
  capabilities: z.array(capabilitySchema),
});
export type AccessReport = z.infer<typeof accessReportSchema>;

/**
 * What the token can and cannot do on one cluster: two requests (version and
 * the token's effective permissions), judged against what each tool needs.
 * Never throws: an unreachable cluster or a refused token is the report.
 */
export async function accessReport(client: ProxmoxClient, signal?: AbortSignal): Promise<AccessReport> {
  const base = { cluster: client.name, url: client.url, token_id: client.tokenId };
  try {
    const [version, perms] = await Promise.all([
      client.get<{ version?: string }>('/version', undefined, { action: 'read the version', signal }),
      effectivePermissions(client, signal),
    ]);
    return {
      ...base,
      reachable: true,
      version: version?.version,
      capabilities: CAPABILITIES.map((c) => judgeCapability(perms ?? {}, c, client.tokenId)),
    };
  } catch (error) {
    const failure = toGatewayError(error);
    return { ...base, reachable: false, error: `[${failure.code}] ${failure.message}`, capabilities: [] };
  }
}

/** For `tailwarden doctor`: check every configured cluster without a running gateway. */
export async function proxmoxAccessReports(settings: ProxmoxConfig, log: Logger): Promise<AccessReport[]> {
  const clusters = new Clusters(settings, log);
  try {
    return await Promise.all(
      clusters.all().map((client) => accessReport(client, AbortSignal.timeout(settings.api_timeout * 2))),
    );
  } finally {
    clusters.close();
  }
}

/** One line per cluster, for a terminal: what works, what does not and the first fix. */
export function describeAccess(report: AccessReport): { ok: boolean; line: string } {
  if (!report.reachable) return { ok: false, line: `proxmox ${report.cluster}: ${report.error}` };
  const lacking = report.capabilities.filter((c) => c.status !== 'yes');
  if (lacking.length === 0)
    return {
      ok: true,
      line: `proxmox ${report.cluster}: ${report.token_id} on Proxmox VE ${report.version ?? '?'} can do everything the tools need`,
    };
  return {
    ok: false,
    line: `proxmox ${report.cluster}: ${report.token_id} cannot ${lacking.map((c) => `${c.what} (${c.status === 'partly' ? `only on ${c.only_on.join(', ')}` : `lacks ${c.missing.join(', ')}`})`).join('; ')}. Fix: ${lacking[0]!.fix}`,
  };
}

export const accessCheck = proxmoxTool({
  name: 'proxmox_access_check',
  title: 'Proxmox: Check the token’s access',
  description:
    'What the API token can and cannot do on each configured cluster — see guests, nodes, storage and backup jobs; power, snapshots, rollback, backups, config — with the missing privileges and the pveum command that grants them. Also says when a cluster is unreachable or refuses the token.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg.describe('Only this cluster (default: every configured cluster)') }),
  output: z.object({ clusters: z.array(accessReportSchema) }),
  handler: async ({ cluster }, ctx) => {
    const { results } = await eachCluster(ctx, cluster, (client) => accessReport(client, ctx.signal));
    return { clusters: results };
  },
});

import { z } from 'zod';
import { toGatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import type { ProxmoxClient } from './client.ts';
import type { ProxmoxContext } from './context.ts';

type Ctx = ToolContext & ProxmoxContext;

export const clusterErrorsSchema = z
  .array(z.object({ cluster: z.string(), error: z.string() }))
  .describe('Clusters that could not be read, and why (the others are still listed)');

/**
 * Run `read` on the named cluster, or on every configured cluster at once.
 * With one cluster its failure is the call's failure; with several, a cluster
 * that fails is reported beside the answers of the others.
 */
export async function eachCluster<T>(
  ctx: Ctx,
  name: string | undefined,
  read: (client: ProxmoxClient) => Promise<T>,
): Promise<{ results: T[]; errors: { cluster: string; error: string }[] }> {
  const clients = ctx.proxmox.clusters.some(name);
  if (clients.length === 1) return { results: [await read(clients[0]!)], errors: [] };
  const settled = await Promise.allSettled(clients.map((client) => read(client)));
  const results: T[] = [];
  const errors: { cluster: string; error: string }[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.push(outcome.value);
    else {
      const error = toGatewayError(outcome.reason);
      errors.push({ cluster: clients[index]!.name, error: `[${error.code}] ${error.message}` });
    }
  });
  if (results.length === 0 && settled[0]?.status === 'rejected') throw settled[0].reason;
  return { results, errors };
}

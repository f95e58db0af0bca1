import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { clusterErrorsSchema, eachCluster } from './each-cluster.ts';
import { isoTime, nodeArg, nodeFrom, nodeSchema, storageFrom, storageSchema } from './model.ts';
import { explainEmpty } from './privileges.ts';
import { clusterResources } from './resources.ts';

export const clusterStatus = proxmoxTool({
  name: 'proxmox_cluster_status',
  title: 'Proxmox: Cluster status',
  description:
    'Each configured Proxmox VE cluster: version, quorum, and its nodes with status, CPU, memory, root disk and uptime.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg }),
  output: z.object({
    clusters: z.array(
      z.object({
        cluster: z.string(),
        cluster_name: z.string().optional().describe('The corosync cluster name (absent on a single node)'),
        quorate: z.boolean().optional(),
        version: z.string().optional().describe('Proxmox VE version'),
        nodes: z.array(nodeSchema),
        warnings: z.array(z.string()),
      }),
    ),
    errors: clusterErrorsSchema,
  }),
  handler: async ({ cluster }, ctx) => {
    const { results, errors } = await eachCluster(ctx, cluster, async (client) => {
      const [version, nodes, status] = await Promise.all([
        client.get<{ version?: string }>('/version', undefined, {
          action: 'read the version',
          signal: ctx.signal,
        }),
        clusterResources(client, 'node', ctx.signal),
        client
          .get<Record<string, unknown>[]>('/cluster/status', undefined, {
            action: 'read the cluster status',
            signal: ctx.signal,
          })
          .catch((error: Error) => error),
      ]);
      const warnings: string[] = [];
      const summary = Array.isArray(status) ? status.find((e) => e.type === 'cluster') : undefined;
      if (!Array.isArray(status)) warnings.push(`Quorum unknown: ${status.message}`);
      const rows = nodes.map((n) => nodeFrom(client.name, n));
      if (rows.some((n) => n.status === 'online' && n.cpus === undefined))
        warnings.push(
          `Node figures are hidden: the token ${client.tokenId} lacks Sys.Audit on /nodes (pveum acl modify /nodes --tokens '${client.tokenId}' --roles PVEAuditor).`,
        );
      return {
        cluster: client.name,
        cluster_name: typeof summary?.name === 'string' ? summary.name : undefined,
        quorate: summary ? summary.quorate === 1 || summary.quorate === true : undefined,
        version: version?.version,
        nodes: rows.sort((a, b) => a.node.localeCompare(b.node)),
        warnings,
      };
    });
    return { clusters: results, errors };
  },
});

export const nodeStatus = proxmoxTool({
  name: 'proxmox_node_status',
  title: 'Proxmox: Node status',
  description:
    'One Proxmox node in detail: CPU model and use, load average, memory, swap, root file system, uptime, kernel and pve-manager versions.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ cluster: clusterArg, node: nodeArg }),
  output: z.object({
    cluster: z.string(),
    node: z.string(),
    uptime_s: z.number().optional(),
    cpu_percent: z.number().optional(),
    cpu_model: z.string().optional(),
    cpus: z.number().optional(),
    loadavg: z.array(z.string()).optional(),
    memory: z.object({ used_bytes: z.number(), total_bytes: z.number() }).optional(),
    swap: z.object({ used_bytes: z.number(), total_bytes: z.number() }).optional(),
    rootfs: z.object({ used_bytes: z.number(), total_bytes: z.number() }).optional(),
    pve_version: z.string().optional(),
    kernel: z.string().optional(),
    boot_time: z.string().optional(),
  }),
  handler: async ({ cluster, node }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const s = await client.get<Record<string, unknown>>(
      `/nodes/${encodeURIComponent(node)}/status`,
      undefined,
      {
        action: `read the status of node ${node}`,
        signal: ctx.signal,
      },
    );
    const pair = (v: unknown) => {
      const o = v as { used?: number; total?: number } | undefined;
      return o && typeof o.used === 'number' && typeof o.total === 'number'
        ? { used_bytes: o.used, total_bytes: o.total }
        : undefined;
    };
    const cpuinfo = (s.cpuinfo ?? {}) as { model?: string; cpus?: number };
    const uptime = typeof s.uptime === 'number' ? s.uptime : undefined;
    return {
      cluster: client.name,
      node,
      uptime_s: uptime,
      cpu_percent: typeof s.cpu === 'number' ? Math.round(s.cpu * 1000) / 10 : undefined,
      cpu_model: cpuinfo.model,
      cpus: cpuinfo.cpus,
      loadavg: Array.isArray(s.loadavg) ? s.loadavg.map(String) : undefined,
      memory: pair(s.memory),
      swap: pair(s.swap),
      rootfs: pair(s.rootfs),
      pve_version: typeof s.pveversion === 'string' ? s.pveversion : undefined,
      kernel: typeof s.kversion === 'string' ? s.kversion : undefined,
      boot_time: uptime !== undefined ? isoTime(Date.now() / 1000 - uptime) : undefined,
    };
  },
});

export const storageList = proxmoxTool({
  name: 'proxmox_storage_list',
  title: 'Proxmox: List storages',
  description:
    'Storages of each node with type, content kinds (images, rootdir, backup, iso…), shared or not, and space used. Filter by node or by content kind (e.g. "backup").',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    node: nodeArg.optional(),
    content: z
      .enum(['images', 'rootdir', 'backup', 'iso', 'vztmpl', 'snippets', 'import'])
      .optional()
      .describe('Only storages that may hold this kind of content'),
    format: formatArg,
  }),
  output: z.object({
    storages: z.array(storageSchema),
    warnings: z.array(z.string()),
    errors: clusterErrorsSchema,
  }),
  handler: async ({ cluster, node, content }, ctx) => {
    const warnings: string[] = [];
    const { results, errors } = await eachCluster(ctx, cluster, async (client) => {
      const rows = await clusterResources(client, 'storage', ctx.signal);
      if (rows.length === 0) {
        const why = await explainEmpty(
          client,
          { privilege: 'Datastore.Audit', path: '/storage', partial: ['/storage'] },
          'storages',
          ctx.signal,
        );
        if (why) warnings.push(why);
      }
      return rows.map((r) => storageFrom(client.name, r));
    });
    const storages = results
      .flat()
      .filter((s) => (!node || s.node === node) && (!content || s.content.split(',').includes(content)))
      .sort(
        (a, b) =>
          a.cluster.localeCompare(b.cluster) ||
          a.node.localeCompare(b.node) ||
          a.storage.localeCompare(b.storage),
      );
    return { storages, warnings, errors };
  },
});

export const clusterTools = [clusterStatus, nodeStatus, storageList];

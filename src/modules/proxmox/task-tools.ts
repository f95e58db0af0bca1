import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { parseWhen, whenArg } from '../../util/when.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { cleanText } from './errors.ts';
import { isoTime, nodeArg, nodeFrom, vmidArg } from './model.ts';
import { explainEmpty } from './privileges.ts';
import { clusterResources } from './resources.ts';
import { isPlaceholder, nodeOfUpid, upidArg } from './tasks.ts';

const taskRow = z.object({
  upid: z.string(),
  node: z.string(),
  type: z.string().describe('e.g. qmstart, vzshutdown, vzdump, qmsnapshot, imgdel'),
  id: z.string().describe('The guest id or object the task is about'),
  user: z.string(),
  started: z.string().optional(),
  ended: z.string().optional(),
  status: z.string().describe('running, OK, WARNINGS: n, or the error'),
});

const taskPath = (node: string, upid: string) =>
  `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;

export const tasksList = proxmoxTool({
  name: 'proxmox_tasks_list',
  title: 'Proxmox: List recent tasks',
  description:
    'Recent Proxmox tasks (start, shutdown, backup, snapshot, migrate…), newest first, on one node or every node: type, guest, user, start and end, status. Filter by guest, type, errors only or start time.',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    node: nodeArg.optional().describe('Only this node (default: every online node)'),
    vmid: vmidArg.optional(),
    type: z
      .string()
      .max(32)
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a task type such as vzdump or qmstart')
      .optional()
      .describe('Task type, e.g. vzdump, qmstart, vzstart'),
    errors: z.boolean().default(false).describe('Only tasks that failed'),
    running: z.boolean().default(false).describe('Also list tasks still running'),
    since: whenArg('Only tasks started after this').optional(),
    limit: z.number().int().min(1).max(500).default(50).describe('Most tasks to return (per node)'),
    format: formatArg,
  }),
  output: z.object({ tasks: z.array(taskRow), warnings: z.array(z.string()) }),
  handler: async ({ cluster, node, vmid, type, errors, running, since, limit }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const nodes = node
      ? [node]
      : (await clusterResources(client, 'node', ctx.signal))
          .map((n) => nodeFrom(client.name, n))
          .filter((n) => n.status === 'online')
          .map((n) => n.node);
    const params = {
      vmid,
      typefilter: type,
      errors: errors || undefined,
      source: running ? 'all' : undefined,
      since: since ? Math.floor(parseWhen(since, new Date(), 'since').getTime() / 1000) : undefined,
      limit,
    };
    const lists = await Promise.all(
      nodes.map((n) =>
        client.get<Record<string, unknown>[]>(`/nodes/${encodeURIComponent(n)}/tasks`, params, {
          action: `list the tasks of node ${n}`,
          signal: ctx.signal,
        }),
      ),
    );
    const tasks = lists
      .flat()
      .map((t) => ({
        upid: String(t.upid ?? ''),
        node: String(t.node ?? ''),
        type: String(t.type ?? ''),
        id: String(t.id ?? ''),
        user: `${String(t.user ?? '')}${t.tokenid ? `!${String(t.tokenid)}` : ''}`,
        started: isoTime(t.starttime),
        ended: isoTime(t.endtime),
        status: cleanText(String(t.status ?? (t.endtime ? 'unknown' : 'running')), 200),
        at: typeof t.starttime === 'number' ? t.starttime : 0,
      }))
      .sort((a, b) => b.at - a.at)
      .map(({ at: _at, ...rest }) => rest);
    const warnings: string[] = [];
    if (tasks.length === 0 && nodes.length > 0) {
      const why = await explainEmpty(
        client,
        { privilege: 'Sys.Audit', path: '/nodes', partial: ['/nodes'] },
        'tasks of other users',
        ctx.signal,
      );
      if (why) warnings.push(`${why} (It still sees the tasks it started itself.)`);
    }
    return { tasks, warnings };
  },
});

export const taskGet = proxmoxTool({
  name: 'proxmox_task_get',
  title: 'Proxmox: Task status and log',
  description: 'One Proxmox task: whether it runs, how it ended, and its log (the last lines by default).',
  permission: 'proxmox:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    cluster: clusterArg,
    upid: upidArg,
    lines: z.number().int().min(1).max(2000).default(50).describe('Log lines to return (the last ones)'),
  }),
  output: z.object({
    cluster: z.string(),
    upid: z.string(),
    node: z.string(),
    type: z.string(),
    id: z.string(),
    user: z.string(),
    status: z.enum(['running', 'stopped']),
    exitstatus: z.string().optional(),
    started: z.string().optional(),
    log: z.array(z.string()),
  }),
  handler: async ({ cluster, upid, lines }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    const node = nodeOfUpid(upid);
    const status = await client.get<Record<string, unknown>>(`${taskPath(node, upid)}/status`, undefined, {
      action: `read the status of task ${upid}`,
      signal: ctx.signal,
    });
    // The log endpoint pages from a start line; read the whole (bounded) log and keep its end.
    const log: string[] = [];
    for (let start = 0, page = 0; page < 50; page++) {
      const chunk = await client.get<{ n: number; t: string }[]>(
        `${taskPath(node, upid)}/log`,
        { start, limit: 500 },
        { action: `read the log of task ${upid}`, signal: ctx.signal },
      );
      for (const line of chunk ?? []) if (!isPlaceholder(line)) log.push(cleanText(String(line.t), 500));
      if (log.length > lines) log.splice(0, log.length - lines);
      if (!chunk || chunk.length < 500) break;
      start = chunk.at(-1)!.n;
    }
    return {
      cluster: client.name,
      upid,
      node,
      type: String(status.type ?? ''),
      id: String(status.id ?? ''),
      user: `${String(status.user ?? '')}${status.tokenid ? `!${String(status.tokenid)}` : ''}`,
      status: status.status === 'running' ? ('running' as const) : ('stopped' as const),
      exitstatus: typeof status.exitstatus === 'string' ? cleanText(status.exitstatus, 300) : undefined,
      started: isoTime(status.starttime),
      log,
    };
  },
});

export const taskStop = proxmoxTool({
  name: 'proxmox_task_stop',
  title: 'Proxmox: Stop task',
  description:
    'Stop a running Proxmox task (a backup, a start, a migration…). A token may stop the tasks it started; others need Sys.Modify on the node. Stopping a snapshot or rollback half-way can leave the guest locked.',
  permission: 'proxmox:write',
  risk: 'high',
  openWorld: true,
  input: z.object({ cluster: clusterArg, upid: upidArg }),
  output: z.object({ cluster: z.string(), upid: z.string(), stopped: z.boolean() }),
  summarize: ({ upid }) => `Stop the Proxmox task ${upid}.`,
  handler: async ({ cluster, upid }, ctx) => {
    const client = ctx.proxmox.clusters.pick(cluster);
    await client.delete(taskPath(nodeOfUpid(upid), upid), undefined, {
      action: `stop task ${upid}`,
      signal: ctx.signal,
    });
    return { cluster: client.name, upid, stopped: true };
  },
});

export const taskTools = [tasksList, taskGet, taskStop];

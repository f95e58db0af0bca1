import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import type { ProxmoxClient } from './client.ts';
import type { ProxmoxContext } from './context.ts';
import { cleanText } from './errors.ts';
import { isoTime } from './model.ts';

/**
 * Proxmox runs long operations as tasks named by a UPID
 * (`UPID:node:pid:pstart:starttime:type:id:user:`, pve-common PVE/UPID.pm).
 * A tool that starts one follows it here: status and new log lines each poll,
 * progress to the client, the log tail when it fails, and — when the caller
 * cancels and may stop tasks — a stop of the task itself.
 */
export const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?):[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:[0-9A-Fa-f]{8}:[^:\s/]{1,64}:[^:\s/]{0,64}:[^:\s/]{1,128}:$/;

export const upidArg = z
  .string()
  .max(300)
  .regex(UPID_RE, 'a Proxmox task id: UPID:node:…: (as a tool or proxmox_tasks_list gave it)')
  .describe('Task id (UPID), as a tool or proxmox_tasks_list returned it');

export function nodeOfUpid(upid: string): string {
  return UPID_RE.exec(upid)?.[1] ?? '';
}

export const taskOutcomeSchema = z.object({
  cluster: z.string(),
  node: z.string(),
  upid: z.string().describe('Task id; follow it with proxmox_task_get'),
  status: z
    .enum(['running', 'ok', 'warnings'])
    .describe('running: still going when the wait ended (the task goes on; poll proxmox_task_get)'),
  exitstatus: z.string().optional().describe('What Proxmox recorded when it ended: OK or WARNINGS: n'),
  started: z.string().optional(),
  duration_s: z.number().optional(),
});
export type TaskOutcome = z.infer<typeof taskOutcomeSchema>;

export interface FollowOptions {
  /** What the task does, for messages: "start guest 105". */
  what: string;
  /** Stopping it half-way is harmless (so a cancelled call may stop it). */
  stoppable: boolean;
  /** Most milliseconds to follow it before returning it still running. */
  waitMs: number;
}

type Ctx = ToolContext & ProxmoxContext;

/** An empty task log reads as one line "no content" (pve-common dump_logfile, for ExtJS); it is not log. */
export function isPlaceholder(line: { n: number; t: string }): boolean {
  return line.n === 1 && line.t === 'no content';
}

interface TaskStatus {
  status: 'running' | 'stopped';
  exitstatus?: string;
  starttime?: number;
}

const taskPath = (node: string, upid: string) =>
  `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;

/** The UPID a task-starting call answered with; some calls answer "OK" or null when there was nothing to do. */
export function upidFrom(answer: unknown, what: string): string | undefined {
  if (typeof answer === 'string' && UPID_RE.test(answer)) return answer;
  if (answer === null || answer === undefined || answer === 'OK') return undefined;
  throw new GatewayError(
    'ERR_UPSTREAM_FAILED',
    `Proxmox answered "${cleanText(String(answer), 80)}" to ${what}, not a task id.`,
  );
}

/** How long to follow: the asked wait, bounded by task_wait and by tools.timeout (minus a margin to answer). */
export function followWindow(ctx: Ctx, waitSeconds: number | undefined): number {
  const { settings, toolTimeoutMs } = ctx.proxmox;
  const asked = waitSeconds === undefined ? settings.task_wait : waitSeconds * 1000;
  return Math.max(0, Math.min(asked, toolTimeoutMs - 5000));
}

export async function followTask(
  ctx: Ctx,
  client: ProxmoxClient,
  node: string,
  upid: string,
  options: FollowOptions,
): Promise<TaskOutcome> {
  const { settings } = ctx.proxmox;
  const began = Date.now();
  const tail: string[] = [];
  let logAt = 0;
  let progress = 0;
  const readLog = async (signal: AbortSignal) => {
    for (let page = 0; page < 20; page++) {
      const lines = await client.get<{ n: number; t: string }[]>(
        `${taskPath(node, upid)}/log`,
        { start: logAt, limit: 200 },
        { action: `read the log of task ${upid}`, signal },
      );
      for (const line of lines ?? []) {
        if (isPlaceholder(line)) continue;
        logAt = Math.max(logAt, line.n);
        tail.push(cleanText(String(line.t), 300));
        if (tail.length > settings.log_lines) tail.shift();
      }
      if (!lines || lines.length < 200) return lines?.filter((l) => !isPlaceholder(l)).at(-1)?.t;
    }
    return undefined;
  };
  try {
    for (;;) {
      const status = await client.get<TaskStatus>(`${taskPath(node, upid)}/status`, undefined, {
        action: `read the status of task ${upid}`,
        signal: ctx.signal,
      });
      const raw = await readLog(ctx.signal);
      if (raw !== undefined) {
        const last = cleanText(raw, 200);
        // vzdump and others log "…  42% (…)": shown as progress out of 100, else one step per new line.
        const pct = /(\d{1,3}(?:\.\d{1,3})?)%/.exec(last);
        progress = pct ? Math.max(progress, Math.min(100, Number(pct[1]))) : progress + 1;
        await ctx.progress({ progress, total: pct ? 100 : undefined, message: last });
      }
      const base = { cluster: client.name, node, upid, started: isoTime(status.starttime) };
      if (status.status === 'stopped') {
        const exit = cleanText(status.exitstatus ?? 'unknown', 300);
        const duration_s = Math.round((Date.now() - began) / 100) / 10;
        if (exit === 'OK') return { ...base, status: 'ok', exitstatus: exit, duration_s };
        if (/^WARNINGS: \d+$/.test(exit))
          return { ...base, status: 'warnings', exitstatus: exit, duration_s };
        throw new GatewayError(
          'ERR_UPSTREAM_FAILED',
          `The Proxmox task to ${options.what} failed: ${exit}. Task ${upid}; last log lines:\n${tail.join('\n')}`,
          { details: { upid, exitstatus: exit } },
        );
      }
      if (Date.now() - began >= options.waitMs) return { ...base, status: 'running' };
      await sleep(settings.task_poll_interval, undefined, { signal: ctx.signal });
    }
  } catch (error) {
    if (ctx.signal.aborted) stopOnCancel(ctx, client, node, upid, options);
    throw error;
  }
}

/** Was the call cancelled by its client (not cut off by tools.timeout or a gateway shutdown)? */
function cancelledByClient(signal: AbortSignal): boolean {
  const reason = signal.reason;
  if (reason instanceof GatewayError) return false;
  return !(reason instanceof DOMException && reason.name === 'TimeoutError');
}

/** After a cancel, stop the task in the background if it is safe to and the caller may (proxmox:write). */
function stopOnCancel(ctx: Ctx, client: ProxmoxClient, node: string, upid: string, options: FollowOptions) {
  const { settings } = ctx.proxmox;
  const may = ctx.principal.permissions.has('proxmox:write');
  if (!cancelledByClient(ctx.signal) || !settings.stop_task_on_cancel || !options.stoppable || !may) {
    ctx.log.info(
      { upid, stoppable: options.stoppable, may },
      `call ended before the Proxmox task to ${options.what} finished; the task runs on`,
    );
    return;
  }
  void client
    .delete(taskPath(node, upid), undefined, {
      action: `stop task ${upid}`,
      signal: AbortSignal.timeout(settings.api_timeout),
    })
    .then(
      () => ctx.log.info({ upid }, `the caller cancelled: stopped the Proxmox task to ${options.what}`),
      (error: unknown) =>
        ctx.log.warn(
          { upid, error: (error as Error).message },
          `the caller cancelled, but the Proxmox task to ${options.what} could not be stopped`,
        ),
    );
}

/** Start a task with `method path params` and follow it (or return it running when wait is 0). */
export async function runTask(
  ctx: Ctx,
  client: ProxmoxClient,
  request: {
    method: 'POST' | 'DELETE' | 'PUT';
    path: string;
    params?: Record<string, string | number | boolean | undefined>;
    node: string;
  },
  options: Omit<FollowOptions, 'waitMs'> & { waitSeconds: number | undefined },
): Promise<TaskOutcome | undefined> {
  const answer = await client.request<unknown>(request.method, request.path, request.params, {
    action: options.what,
    signal: ctx.signal,
  });
  const upid = upidFrom(answer, options.what);
  if (!upid) return undefined;
  return followTask(ctx, client, nodeOfUpid(upid) || request.node, upid, {
    ...options,
    waitMs: followWindow(ctx, options.waitSeconds),
  });
}

export const waitArg = z
  .number()
  .int()
  .min(0)
  .max(3600)
  .optional()
  .describe(
    'Seconds to follow the task, with progress, before returning it still running (default modules.proxmox.task_wait; 0: return at once)',
  );

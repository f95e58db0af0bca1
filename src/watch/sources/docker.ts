import type Docker from 'dockerode';
import { cpuPercent, memoryUsed } from '../../modules/docker/container-stats.ts';
import type { DockerContext } from '../../modules/docker/context.ts';
import { containerName } from '../../modules/docker/engine.ts';
import type { Source, SourceContext } from './source.ts';

type RawStats = Parameters<typeof cpuPercent>[0];

/** The engine events that say something happened to a container. */
const WATCHED = ['die', 'oom', 'start', 'restart', 'stop', 'kill', 'health_status'];
const MAX_EVENT_BYTES = 1024 * 1024;
const MAX_CONTAINERS = 500;

interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Read a finite events stream (since/until given) into parsed events, bounded in bytes. */
async function readEvents(stream: NodeJS.ReadableStream): Promise<EngineEvent[]> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    text += chunk.toString();
    if (text.length > MAX_EVENT_BYTES) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      break;
    }
  }
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as EngineEvent];
      } catch {
        return [];
      }
    });
}

function healthOf(status: string): string {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace('health: ', '') ?? '';
}

function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * Each container's CPU, memory, state, health and restart count, and what the engine
 * says happened between two runs (died with its exit code, OOM-killed, restarted,
 * health changed, stopped on request). CPU is the engine's own counter delta between
 * two runs (one-shot stats, no two-second wait per container).
 */
export function dockerSource(docker: DockerContext['docker'], everyMs: number): Source {
  const previous = new Map<string, { total: number; system: number }>();
  const restarts = new Map<string, number>();
  let since = Math.floor(Date.now() / 1000);
  const seen = new Set<string>();
  /** Containers last stopped or killed through the engine API (a requested stop is no crash). */
  const stoppedOnRequest = new Set<string>();

  async function events(ctx: SourceContext) {
    const until = Math.floor(Date.now() / 1000);
    if (until <= since) return;
    const stream = (await docker.engine.getEvents({
      since: String(since),
      until: String(until),
      filters: JSON.stringify({ type: ['container'], event: WATCHED }),
      abortSignal: ctx.signal,
    } as never)) as unknown as NodeJS.ReadableStream;
    const keep = new Set<string>();
    for (const e of await readEvents(stream)) {
      const action = (e.Action ?? e.status ?? '').split(':')[0] ?? '';
      const id = e.Actor?.ID ?? e.id ?? '';
      const key = `${e.timeNano}:${id}:${e.Action}`;
      keep.add(key);
      if (seen.has(key)) continue;
      const attributes = e.Actor?.Attributes ?? {};
      const name = attributes.name ?? id.slice(0, 12);
      const t = e.timeNano ? Math.floor(e.timeNano / 1e6) : ctx.now;
      const detail: Record<string, unknown> = { id: id.slice(0, 12), image: attributes.image ?? '' };
      if (action === 'die') detail.exit_code = Number(attributes.exitCode ?? -1);
      if (action === 'kill') detail.signal = attributes.signal ?? '';
      if (action === 'health_status') detail.health = (e.Action ?? '').split(': ')[1] ?? '';
      if (action === 'stop' || action === 'kill') stoppedOnRequest.add(name);
      if (action === 'start') stoppedOnRequest.delete(name);
      ctx.event(`container.${action === 'health_status' ? 'health' : action}`, name, detail, t);
    }
    // Events of the last second can come again in the next window (since is inclusive).
    seen.clear();
    for (const key of keep) seen.add(key);
    since = until;
  }

  async function stats(ctx: SourceContext, c: Docker.ContainerInfo, name: string) {
    const raw = (await docker.engine
      .getContainer(c.Id)
      .stats({ stream: false, 'one-shot': true, abortSignal: ctx.signal } as never)) as unknown as RawStats;
    const total = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const system = raw.cpu_stats?.system_cpu_usage ?? 0;
    const before = previous.get(c.Id);
    previous.set(c.Id, { total, system });
    if (before) {
      const cpu = cpuPercent({
        ...raw,
        precpu_stats: { cpu_usage: { total_usage: before.total }, system_cpu_usage: before.system },
      });
      ctx.record('docker.container.cpu.percent', { container: name }, cpu);
    }
    const used = memoryUsed(raw);
    const limit = raw.memory_stats?.limit ?? 0;
    if (raw.memory_stats?.usage !== undefined) {
      ctx.record('docker.container.memory.bytes', { container: name }, used);
      if (limit > 0) ctx.record('docker.container.memory.percent', { container: name }, (used / limit) * 100);
    }
  }

  return {
    id: 'docker',
    area: 'docker',
    everyMs,
    async run(ctx) {
      await events(ctx);
      const listed: Docker.ContainerInfo[] = await docker.engine.listContainers({
        all: true,
        abortSignal: ctx.signal,
      } as Docker.ContainerListOptions);
      const containers = listed.slice(0, MAX_CONTAINERS);
      const alive = new Set(containers.map((c) => c.Id));
      for (const id of previous.keys()) if (!alive.has(id)) previous.delete(id);
      await Promise.all(
        containers.map(async (c) => {
          const name = containerName(c.Names[0]) || c.Id.slice(0, 12);
          const running = c.State === 'running';
          ctx.record('docker.container.running', { container: name }, running ? 1 : 0);
          ctx.record(
            'docker.container.unhealthy',
            { container: name },
            healthOf(c.Status) === 'unhealthy' ? 1 : 0,
          );
          ctx.fact('container', name, {
            state: c.State,
            health: healthOf(c.Status),
            exit_code: exitCodeOf(c.Status) ?? null,
            stopped_on_request: stoppedOnRequest.has(name),
            image: c.Image,
          });
          // RestartCount is only in inspect: read it for containers that are (re)starting or new to us.
          if (
            c.State === 'restarting' ||
            !restarts.has(c.Id) ||
            /^Up (Less than a|\d+) second/.test(c.Status)
          ) {
            // It may be removed between list and inspect: that one container waits for the next run,
            // the others are still recorded.
            const info = await docker.engine
              .getContainer(c.Id)
              .inspect({ abortSignal: ctx.signal } as Docker.ContainerInspectOptions)
              .catch(() => undefined);
            if (info) restarts.set(c.Id, info.RestartCount ?? 0);
          }
          const restartCount = restarts.get(c.Id);
          if (restartCount !== undefined)
            ctx.record('docker.container.restarts', { container: name }, restartCount);
          if (running) await stats(ctx, c, name).catch(() => undefined); // it may stop between list and stats
        }),
      );
      for (const id of restarts.keys()) if (!alive.has(id)) restarts.delete(id);
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../../errors.ts';
import { readContainerLogs } from '../container-logs.ts';
import { type Ctx, compose, placeOf, projectContainers, type ServiceState } from './project.ts';

/** A container that finished with code 0 is a one-shot job that did its work (an init or migration step). */
const completed = (s: ServiceState) => s.state === 'exited' && /^Exited \(0\)/.test(s.status);

/** Why a service is not good, or undefined while it is fine or still starting. */
function failureOf(s: ServiceState): string | undefined {
  if (s.state === 'exited' && !completed(s)) return `${s.service} exited (${s.status})`;
  if (s.state === 'dead') return `${s.service} is dead`;
  if (s.state === 'restarting') return `${s.service} keeps restarting`;
  if (s.health === 'unhealthy') return `${s.service} reports unhealthy`;
  return undefined;
}

const ready = (s: ServiceState) =>
  completed(s) || (s.state === 'running' && (s.health === '' || s.health === 'healthy'));

/**
 * Wait until every container of the stack runs (and is healthy, where it has a
 * healthcheck), then check it still does after `update_settle`. Returns the
 * problem, or undefined when the stack is good.
 */
export async function waitHealthy(ctx: Ctx, name: string): Promise<string | undefined> {
  const { update_health_timeout: timeout, update_settle: settle } = ctx.docker.config;
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = await projectContainers(ctx, name);
    if (states.length === 0) return 'no container of the stack is running';
    const failure = states.map(failureOf).find(Boolean);
    if (failure) return failure;
    if (states.every(ready)) break;
    if (Date.now() > deadline) {
      const waiting = states.filter((s) => !ready(s)).map((s) => `${s.service} (${s.health || s.state})`);
      return `not running and healthy within ${timeout / 1000} s: ${waiting.join(', ')}`;
    }
    await sleep(500, undefined, { signal: ctx.signal });
  }
  await sleep(settle, undefined, { signal: ctx.signal });
  const after = await projectContainers(ctx, name);
  return (
    after.map(failureOf).find(Boolean) ?? after.filter((s) => !ready(s)).map((s) => `${s.service} stopped`)[0]
  );
}

/** The last log lines of the services that are not good, for the error message. */
async function logsOfFailing(ctx: Ctx, name: string): Promise<string> {
  const states = (await projectContainers(ctx, name).catch(() => [])).filter((s) => !ready(s)).slice(0, 3);
  const parts: string[] = [];
  for (const s of states) {
    const logs = await readContainerLogs(ctx, s.container, {
      tail: 5,
      stream: 'both',
      timestamps: false,
    }).catch(() => undefined);
    const text = logs?.lines.map((l) => l.text).join('\n');
    if (text) parts.push(`--- ${s.service}:\n${text}`);
  }
  return parts.length ? `\nLast log lines:\n${parts.join('\n')}` : '';
}

export interface Previous {
  commit: string;
  /** Put the previous revision's files back (checkout, and on a host, ship them again). */
  restore(): Promise<void>;
}

/**
 * `compose up -d`, then the health check. When the new revision does not come
 * up healthy, the previous one is put back and started (an update), or the
 * stack is taken down again (a first deploy); either way the call fails saying
 * why, with the failing services' last log lines.
 */
export async function rollout(
  ctx: Ctx,
  name: string,
  dir: string,
  file: string,
  revision: string,
  previous: Previous | undefined,
): Promise<ServiceState[]> {
  const up = () =>
    compose(ctx, name, dir, file, ['up', '-d', '--remove-orphans'], `Starting stack "${name}"`);
  let problem: string | undefined;
  try {
    await up();
    await ctx.progress({ progress: 0, message: `waiting for stack "${name}" to become healthy` });
    problem = await waitHealthy(ctx, name);
  } catch (error) {
    if (ctx.signal.aborted || !(error instanceof GatewayError)) throw error;
    problem = error.message;
  }
  if (!problem) return projectContainers(ctx, name);

  const logs = await logsOfFailing(ctx, name);
  const short = revision.slice(0, 7);
  if (!previous) {
    await compose(ctx, name, dir, file, ['down', '--remove-orphans'], `Stopping stack "${name}"`).catch(
      () => '',
    );
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `Stack "${name}" at ${short} did not become healthy on ${placeOf(ctx)}: ${problem}. It was taken down again.${logs}`,
    );
  }
  await ctx.progress({
    progress: 0,
    message: `rolling back stack "${name}" to ${previous.commit.slice(0, 7)}`,
  });
  let after: string;
  try {
    await previous.restore();
    await up();
    const again = await waitHealthy(ctx, name);
    after = again ? `, but it is not healthy either: ${again}` : '; it runs again';
  } catch (error) {
    after = `, but restoring it failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  throw new GatewayError(
    'ERR_UPSTREAM_FAILED',
    `Stack "${name}" at ${short} did not become healthy on ${placeOf(ctx)}: ${problem}. Rolled back to ${previous.commit.slice(0, 7)}${after}.${logs}`,
  );
}

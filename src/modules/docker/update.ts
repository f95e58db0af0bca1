import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { readContainerLogs } from './container-logs.ts';
import { type DockerContext, dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer, inspectImage } from './engine.ts';
import { checkContainerRef } from './names.ts';
import { pullImage } from './pull.ts';
import { recreatePlan } from './recreate.ts';

type Ctx = ToolContext & DockerContext;

/** Why a freshly started container is not good, or undefined when it is running (and healthy). */
function problemOf(state: Docker.ContainerInspectInfo['State'], restarts: number): string | undefined {
  if (state.Status === 'exited' || state.Status === 'dead') return `it exited with code ${state.ExitCode}`;
  if (state.Restarting || restarts > 0) return 'it keeps restarting';
  if (state.Health?.Status === 'unhealthy') return 'its healthcheck reports unhealthy';
  return undefined;
}

/** Wait until the container runs (and is healthy, with a healthcheck) and stays so for the settle time. */
async function verifyRunning(ctx: Ctx, id: string): Promise<string> {
  const { update_health_timeout: timeout, update_settle: settle } = ctx.docker.config;
  const deadline = Date.now() + timeout;
  for (;;) {
    const info = await inspectContainer(ctx, id);
    const problem = problemOf(info.State, info.RestartCount);
    if (problem) throw new Error(problem);
    const health = info.State.Health?.Status;
    if (info.State.Running && (!health || health === 'healthy')) break;
    if (Date.now() > deadline) {
      throw new Error(
        health ? `it did not become healthy within ${timeout / 1000} s (${health})` : 'it did not start',
      );
    }
    await sleep(500, undefined, { signal: ctx.signal });
  }
  await sleep(settle, undefined, { signal: ctx.signal });
  const after = await inspectContainer(ctx, id);
  const problem =
    problemOf(after.State, after.RestartCount) ?? (after.State.Running ? undefined : 'it stopped');
  if (problem) throw new Error(problem);
  return after.State.Health?.Status ?? 'none';
}

async function lastLogLines(ctx: Ctx, id: string): Promise<string> {
  const logs = await readContainerLogs(ctx, id, { tail: 5, stream: 'both', timestamps: false }).catch(
    () => undefined,
  );
  const text = logs?.lines.map((l) => l.text).join(' | ');
  return text ? ` Its last log lines: ${text.slice(0, 500)}` : '';
}

export const containerUpdate = dockerTool({
  name: 'docker_container_update',
  title: 'Docker: Update container to a newer image',
  description:
    "Pull the image for the container's tag, then recreate the container on it with the same name, environment, mounts, networks, ports, labels and restart policy, start it, and check it keeps running (and turns healthy when it has a healthcheck). On failure the previous container is restored and the error says so.",
  permission: 'docker:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    container: z.string().min(1).max(200).describe('Container id or name'),
    pull: z
      .boolean()
      .default(true)
      .describe('Pull the tag first (false: use the image the tag names locally)'),
    force: z
      .boolean()
      .default(false)
      .describe('Recreate even when the container already runs the newest image'),
  }),
  output: z.object({
    container: z.string(),
    image: z.string(),
    updated: z.boolean(),
    previous_image_id: z.string(),
    image_id: z.string(),
    id: z.string().describe('The id of the container now running under the name'),
    health: z.string().describe('healthy, or "none" without a healthcheck'),
    note: z.string().optional(),
  }),
  summarize: ({ container }) =>
    `Update container "${container}" to the newest image of its tag (recreating it).`,
  validate: ({ container }) => void checkContainerRef(container),
  handler: async ({ container, pull, force }, ctx) => {
    const info = await inspectContainer(ctx, container);
    const name = containerName(info.Name);
    const ref = info.Config.Image;
    if (ref.startsWith('sha256:') || info.Image.replace('sha256:', '').startsWith(ref)) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `Container "${name}" was created from an image id, not a tag, so there is no newer image to move to.`,
      );
    }
    const oldImage = await inspectImage(ctx, info.Image);
    if (pull) await pullImage(ctx, ref);
    const newImage = await inspectImage(ctx, ref);
    const base = { container: name, image: ref, previous_image_id: info.Image, image_id: newImage.Id };
    if (newImage.Id === info.Image && !force) {
      return {
        ...base,
        updated: false,
        id: info.Id.slice(0, 12),
        health: info.State.Health?.Status ?? 'none',
        note: 'Already on the newest image of its tag; nothing changed.',
      };
    }
    const plan = recreatePlan(info, oldImage, ref);
    const engine = ctx.docker.engine;
    const old = engine.getContainer(info.Id);
    const backupName = `${name}-tw-previous-${Date.now().toString(36)}`;
    const step = (n: number, message: string) => ctx.progress({ progress: n, total: 5, message });
    let created: Docker.Container | undefined;
    try {
      await step(1, `stopping ${name}`);
      await engineCall(ctx, `stop container ${name}`, async () => {
        if (info.State.Running || info.State.Restarting) await old.stop();
        await old.rename({ name: backupName });
      });
      await step(2, `creating ${name} on ${ref}`);
      created = await engineCall(ctx, `create container ${name}`, (e) => e.createContainer(plan.create));
      for (const { network, endpoint } of plan.connect) {
        await engineCall(ctx, `connect ${name} to ${network}`, (e) =>
          e.getNetwork(network).connect({ Container: created!.id, EndpointConfig: endpoint }),
        );
      }
      await step(3, `starting ${name}`);
      await engineCall(ctx, `start container ${name}`, () => created!.start());
      await step(4, `checking ${name}`);
      const health = await verifyRunning(ctx, created.id).catch(async (error: Error) => {
        throw new Error(`${error.message}.${await lastLogLines(ctx, created!.id)}`);
      });
      await step(5, 'removing the previous container');
      const note = await old
        .remove({ v: false })
        .then(() => undefined)
        .catch(() => `The previous container is kept as "${backupName}"; remove it when you are sure.`);
      return { ...base, updated: true, id: created.id.slice(0, 12), health, ...(note ? { note } : {}) };
    } catch (error) {
      const reason = error instanceof GatewayError ? error.message : (error as Error).message;
      const restored = await restore(ctx, old, created, name, info.State.Running);
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        restored === true
          ? `Updating "${name}" to ${ref} failed: ${reason} The previous container was restored${info.State.Running ? ' and is running again' : ''} (image ${info.Image.slice(7, 19)}).`
          : `Updating "${name}" to ${ref} failed: ${reason} Restoring the previous container ALSO failed (${restored}); it is kept stopped as "${backupName}" — rename it back to "${name}" and start it.`,
        { cause: error },
      );
    }
  },
});

/** Put the previous container back under its name; true, or what went wrong. */
async function restore(
  ctx: Ctx,
  old: Docker.Container,
  created: Docker.Container | undefined,
  name: string,
  wasRunning: boolean,
): Promise<true | string> {
  try {
    if (created) await created.remove({ force: true, v: false });
    const current = await old.inspect();
    if (containerName(current.Name) !== name) await old.rename({ name });
    if (wasRunning) await old.start();
    return true;
  } catch (error) {
    ctx.log.error({ err: error, container: name }, 'restoring the previous container failed');
    return (error as Error).message;
  }
}

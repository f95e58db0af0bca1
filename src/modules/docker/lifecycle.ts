import type Docker from 'dockerode';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { type DockerContext, dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer } from './engine.ts';
import { checkContainerRef } from './names.ts';

const containerArg = z.string().min(1).max(200).describe('Container id or name');
const stateOutput = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  changed: z.boolean().describe('False when the container already was in the wanted state'),
});

type Ctx = ToolContext & DockerContext;
type Operation = (container: Docker.Container, signal: AbortSignal) => Promise<unknown>;

/** 304 Not Modified: the engine says the container already is in that state. */
function isNotModified(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 304;
}

async function transition(ctx: Ctx, ref: string, verb: string, operation: Operation) {
  const info = await inspectContainer(ctx, ref);
  const name = containerName(info.Name);
  let changed = true;
  await engineCall(ctx, `${verb} container ${name}`, async (e) => {
    try {
      await operation(e.getContainer(info.Id), ctx.signal);
    } catch (error) {
      if (!isNotModified(error)) throw error;
      changed = false;
    }
  });
  const after = await inspectContainer(ctx, info.Id);
  return { id: info.Id.slice(0, 12), name, state: after.State.Status, changed };
}

function lifecycleTool(
  verb: 'start' | 'stop' | 'restart' | 'pause' | 'unpause',
  title: string,
  description: string,
  operation: Operation,
) {
  return dockerTool({
    name: `docker_container_${verb}`,
    title: `Docker: ${title}`,
    description,
    permission: 'docker:write',
    risk: 'high',
    idempotent: verb !== 'restart',
    input: z.object({ container: containerArg }),
    output: stateOutput,
    summarize: ({ container }) => `${title} "${container}".`,
    validate: ({ container }) => void checkContainerRef(container),
    handler: ({ container }, ctx) => transition(ctx, container, verb, operation),
  });
}

export const containerStart = lifecycleTool(
  'start',
  'Start container',
  'Start a stopped container.',
  (c, signal) => c.start({ abortSignal: signal }),
);
export const containerStop = lifecycleTool(
  'stop',
  'Stop container',
  'Stop a running container (SIGTERM, then SIGKILL after its stop timeout).',
  (c, signal) => c.stop({ abortSignal: signal }),
);
export const containerRestart = lifecycleTool(
  'restart',
  'Restart container',
  'Restart a container; returns once it is running again.',
  (c, signal) => c.restart({ abortSignal: signal }),
);
export const containerPause = lifecycleTool(
  'pause',
  'Pause container',
  'Freeze every process of a running container (cgroup freezer).',
  (c, signal) => c.pause({ abortSignal: signal }),
);
export const containerUnpause = lifecycleTool(
  'unpause',
  'Unpause container',
  'Resume a paused container.',
  (c, signal) => c.unpause({ abortSignal: signal }),
);

export const containerRemove = dockerTool({
  name: 'docker_container_remove',
  title: 'Docker: Remove container',
  description:
    'Remove a container. A running container is refused unless force is true. Named volumes are kept; anonymous volumes are removed only with volumes: true.',
  permission: 'docker:admin',
  risk: 'critical',
  input: z.object({
    container: containerArg,
    force: z.boolean().default(false).describe('Kill and remove a running container'),
    volumes: z.boolean().default(false).describe('Also remove its anonymous volumes'),
  }),
  output: z.object({ id: z.string(), name: z.string(), removed: z.boolean() }),
  summarize: ({ container, force, volumes }) =>
    `Remove container "${container}"${force ? ' even if running' : ''}${volumes ? ' with its anonymous volumes' : ''}.`,
  validate: ({ container }) => void checkContainerRef(container),
  handler: async ({ container, force, volumes }, ctx) => {
    const info = await inspectContainer(ctx, container);
    const name = containerName(info.Name);
    if (info.State.Running && !force) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `Container "${name}" is running. Stop it first (docker_container_stop) or pass force: true.`,
      );
    }
    await engineCall(ctx, `remove container ${name}`, (e) =>
      e.getContainer(info.Id).remove({ force, v: volumes, abortSignal: ctx.signal }),
    );
    return { id: info.Id.slice(0, 12), name, removed: true };
  },
});

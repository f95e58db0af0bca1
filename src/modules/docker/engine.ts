import type Docker from 'dockerode';
import { GatewayError } from '../../errors.ts';
import { closestNames } from '../../util/similar.ts';
import type { DockerContext } from './context.ts';
import { dockerError } from './errors.ts';

type Ctx = DockerContext & { signal: AbortSignal };

/** Run one engine call, translating whatever it throws. */
export async function engineCall<T>(
  ctx: Ctx,
  what: string,
  work: (engine: Docker) => Promise<T>,
): Promise<T> {
  try {
    return await work(ctx.docker.engine);
  } catch (error) {
    throw dockerError(error, what, ctx.docker.config.socket);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof GatewayError && error.code === 'ERR_NOT_FOUND';
}

/** A "not found" error that names close matches, so a typo is one step from fixed. */
async function notFound(kind: string, ref: string, names: () => Promise<string[]>) {
  const candidates = await names().catch(() => [] as string[]);
  const close = closestNames(ref, candidates);
  const hint =
    close.length > 0
      ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`
      : ` List them with docker_${kind}_list.`;
  return new GatewayError('ERR_NOT_FOUND', `No ${kind} "${ref}" on this Docker engine.${hint}`, {
    details: { suggestions: close },
  });
}

export async function inspectContainer(ctx: Ctx, ref: string): Promise<Docker.ContainerInspectInfo> {
  try {
    return await engineCall(ctx, `container ${ref}`, (e) =>
      e.getContainer(ref).inspect({ abortSignal: ctx.signal }),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw await notFound('container', ref, async () => {
      const all = await ctx.docker.engine.listContainers({ all: true });
      return all.flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')));
    });
  }
}

export async function inspectImage(ctx: Ctx, ref: string): Promise<Docker.ImageInspectInfo> {
  try {
    return await engineCall(ctx, `image ${ref}`, (e) => e.getImage(ref).inspect());
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw await notFound('image', ref, async () => {
      const all = await ctx.docker.engine.listImages();
      return all.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    });
  }
}

export async function inspectNetwork(ctx: Ctx, ref: string): Promise<Docker.NetworkInspectInfo> {
  try {
    return await engineCall(ctx, `network ${ref}`, (e) => e.getNetwork(ref).inspect());
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw await notFound('network', ref, async () =>
      (await ctx.docker.engine.listNetworks()).map((n) => n.Name),
    );
  }
}

export async function inspectVolume(ctx: Ctx, ref: string): Promise<Docker.VolumeInspectInfo> {
  try {
    return await engineCall(ctx, `volume ${ref}`, (e) =>
      e.getVolume(ref).inspect({ abortSignal: ctx.signal }),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw await notFound('volume', ref, async () =>
      ((await ctx.docker.engine.listVolumes()).Volumes ?? []).map((v) => v.Name),
    );
  }
}

/** `/web` → `web`. */
export function containerName(name: string | undefined): string {
  return (name ?? '').replace(/^\//, '');
}

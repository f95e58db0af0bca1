import { isDeepStrictEqual } from 'node:util';
import type Docker from 'dockerode';
import { containerName } from './engine.ts';

type Config = Docker.ContainerInspectInfo['Config'];
type ImageConfig = NonNullable<Docker.ImageInspectInfo['Config']>;

/** Keep a container setting only where it differs from its old image, so the new image's defaults apply. */
function ownValue<T>(container: T, image: unknown): T | undefined {
  return isDeepStrictEqual(container ?? null, image ?? null) ? undefined : container;
}

function ownEntries(
  container: readonly string[] | null | undefined,
  image: readonly string[] | null | undefined,
) {
  const inherited = new Set(image ?? []);
  return (container ?? []).filter((entry) => !inherited.has(entry));
}

function ownLabels(container: Record<string, string> | undefined, image: Record<string, string> | undefined) {
  return Object.fromEntries(Object.entries(container ?? {}).filter(([key, value]) => image?.[key] !== value));
}

const BUILTIN_MODES = new Set(['default', 'bridge', 'host', 'none']);

export interface RecreatePlan {
  create: Docker.ContainerCreateOptions;
  /** Networks to connect after create (the engine takes only one at create on older APIs). */
  connect: { network: string; endpoint: Docker.EndpointSettings }[];
}

function endpointOf(settings: Docker.EndpointSettings, shortId: string): Docker.EndpointSettings {
  return {
    ...(settings.IPAMConfig ? { IPAMConfig: settings.IPAMConfig } : {}),
    ...(settings.Links ? { Links: settings.Links } : {}),
    Aliases: (settings.Aliases ?? []).filter((alias) => alias !== shortId),
  };
}

/**
 * The create options that rebuild a container on a new image: same name,
 * environment, command, mounts (anonymous volumes included, by name), networks
 * with aliases, ports, labels and restart policy — but settings it only
 * inherited from the old image are left for the new image to provide.
 */
export function recreatePlan(
  info: Docker.ContainerInspectInfo,
  oldImage: Docker.ImageInspectInfo,
  imageRef: string,
): RecreatePlan {
  const config: Config = info.Config;
  const image = (oldImage.Config ?? {}) as ImageConfig;
  const shortId = info.Id.slice(0, 12);
  const hostConfig: Docker.HostConfig = { ...info.HostConfig };

  // Anonymous volumes are not in HostConfig: mount them by name so their data carries over.
  const declared = new Set([
    ...(hostConfig.Binds ?? []).map((b) => b.split(':')[1]),
    ...(hostConfig.Mounts ?? []).map((m) => m.Target),
  ]);
  const anonymous = (info.Mounts ?? []).filter(
    (m) => m.Type === 'volume' && m.Name && !declared.has(m.Destination),
  );
  if (anonymous.length > 0) {
    hostConfig.Mounts = [
      ...(hostConfig.Mounts ?? []),
      ...anonymous.map((m) => ({
        Type: 'volume' as const,
        Source: m.Name!,
        Target: m.Destination,
        ReadOnly: !m.RW,
      })),
    ];
  }

  const networks = Object.entries(info.NetworkSettings?.Networks ?? {});
  const mode = hostConfig.NetworkMode ?? 'default';
  const primary = BUILTIN_MODES.has(mode) || mode.startsWith('container:') ? undefined : mode;
  const primaryEntry = networks.find(([name]) => name === primary);
  const connect = networks
    .filter(([name]) => name !== primary && !BUILTIN_MODES.has(name))
    .map(([network, settings]) => ({ network, endpoint: endpointOf(settings, shortId) }));

  const create: Docker.ContainerCreateOptions = {
    name: containerName(info.Name),
    Image: imageRef,
    Env: ownEntries(config.Env, image.Env),
    Labels: ownLabels(config.Labels, image.Labels),
    Cmd: ownValue(config.Cmd, image.Cmd) as string[] | undefined,
    Entrypoint: ownValue(config.Entrypoint, image.Entrypoint) as string[] | undefined,
    WorkingDir: ownValue(config.WorkingDir, image.WorkingDir),
    User: ownValue(config.User, image.User),
    ExposedPorts: config.ExposedPorts,
    Healthcheck: ownValue(config.Healthcheck, (image as { Healthcheck?: unknown }).Healthcheck),
    StopSignal: ownValue(
      (config as { StopSignal?: string }).StopSignal,
      (image as { StopSignal?: string }).StopSignal,
    ),
    StopTimeout: (config as { StopTimeout?: number }).StopTimeout,
    Tty: config.Tty,
    OpenStdin: config.OpenStdin,
    StdinOnce: config.StdinOnce,
    Hostname: config.Hostname === shortId ? undefined : config.Hostname,
    Domainname: config.Domainname || undefined,
    HostConfig: hostConfig,
    ...(primaryEntry
      ? { NetworkingConfig: { EndpointsConfig: { [primaryEntry[0]]: endpointOf(primaryEntry[1], shortId) } } }
      : {}),
  };
  for (const key of Object.keys(create) as (keyof typeof create)[])
    if (create[key] === undefined) delete create[key];
  return { create, connect };
}

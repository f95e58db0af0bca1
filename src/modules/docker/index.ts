import { join } from 'node:path';
import type Docker from 'dockerode';
import { KeyedLock } from '../../util/keyed-lock.ts';
import { loadDockerode } from '../../util/lazy-require.ts';
import { defineModule, type ToolModule } from '../types.ts';
import { containerLogs, containerLogsAnalyze } from './container-logs.ts';
import { containerStats } from './container-stats.ts';
import { containerInspect, containerList } from './containers.ts';
import type { DockerContext } from './context.ts';
import { dockerDoctor } from './doctor.ts';
import { dockerError } from './errors.ts';
import { imageInspect, imageList, imagePrune, imagePull, imageRemove } from './images.ts';
import {
  containerPause,
  containerRemove,
  containerRestart,
  containerStart,
  containerStop,
  containerUnpause,
} from './lifecycle.ts';
import { networkInspect, networkList, volumeInspect, volumeList } from './networks.ts';
import { fleetOf, remoteEngines, withHostOption } from './remote.ts';
import { guardEnginePaths } from './safe-paths.ts';
import { ComposeRunner } from './stacks/compose.ts';
import { stackDeploy, stackDown, stackRemove, stackUpdate } from './stacks/deploy.ts';
import { HostCompose } from './stacks/host-compose.ts';
import { stackList, stackLogs, stackStatus } from './stacks/read.ts';
import { containerUpdate } from './update.ts';

/** Engine tools: each also takes an optional `host` (Docker over SSH). */
const engineTools = [
  containerList,
  containerInspect,
  containerStats,
  containerLogs,
  containerLogsAnalyze,
  containerStart,
  containerStop,
  containerRestart,
  containerPause,
  containerUnpause,
  containerRemove,
  containerUpdate,
  imageList,
  imageInspect,
  imagePull,
  imageRemove,
  imagePrune,
  networkList,
  networkInspect,
  volumeList,
  volumeInspect,
].map(withHostOption);

/**
 * Stacks too take `host`: the git checkout stays on the gateway, the compose
 * project is shipped to the host over SFTP and compose runs there.
 */
const stackTools = [stackList, stackStatus, stackLogs, stackDeploy, stackUpdate, stackDown, stackRemove].map(
  withHostOption,
);

export const dockerTools = [...engineTools, ...stackTools];

export const dockerModule: ToolModule<DockerContext> = defineModule<DockerContext>({
  id: 'docker',
  title: 'Docker',
  enabled: (config) => config.modules.docker.enabled,
  tools: dockerTools,
  areas: {
    containers: ['docker_container'],
    images: ['docker_image'],
    networks: ['docker_network'],
    volumes: ['docker_volume'],
    stacks: ['docker_stack'],
  },
  doctor: dockerDoctor,
  start({ config, peer }) {
    const settings = config.modules.docker;
    // No client-side timeout: calls are bounded by the call's abort signal instead.
    // Made on first use: loading dockerode is a large share of start-up.
    let engine: Docker | undefined;
    const getEngine = () => {
      engine ??= guardEnginePaths(new (loadDockerode())({ socketPath: settings.socket }));
      return engine;
    };
    const context: DockerContext = {
      docker: {
        get engine() {
          return getEngine();
        },
        config: settings,
        stacksDir: settings.stacks_dir || join(config.state_dir, 'stacks'),
        compose: new ComposeRunner(settings.socket, settings.compose_timeout),
        remote: remoteEngines(peer),
        fleet: fleetOf(peer),
        hostCompose: new HostCompose(),
        stackLocks: new KeyedLock(),
      },
    };
    return {
      context,
      async health() {
        try {
          await getEngine().ping({ abortSignal: AbortSignal.timeout(5000) } as never);
          return { status: 'ok' as const };
        } catch (error) {
          return {
            status: 'unavailable' as const,
            detail: dockerError(error, 'ping', settings.socket).message,
          };
        }
      },
    };
  },
});

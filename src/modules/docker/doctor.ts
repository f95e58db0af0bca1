import { access, constants, stat } from 'node:fs/promises';
import { loadDockerode } from '../../util/lazy-require.ts';
import type { DoctorCheck, DoctorDeps } from '../types.ts';

/** The Docker socket exists, this user may use it, and the engine answers. */
export async function dockerDoctor({ config, signal }: DoctorDeps): Promise<DoctorCheck[]> {
  const socket = config.modules.docker.socket;
  const check = 'docker: engine';
  try {
    await stat(socket);
  } catch {
    return [
      {
        check,
        status: 'fail',
        detail: `no Docker socket at ${socket}`,
        fix: 'install and start Docker (systemctl start docker), set modules.docker.socket, or turn the module off (modules.docker.enabled: false)',
      },
    ];
  }
  try {
    await access(socket, constants.R_OK | constants.W_OK);
  } catch {
    return [
      {
        check,
        status: 'fail',
        detail: `${socket} exists but this user may not use it`,
        fix: 'add the gateway user to the docker group (install.sh --enable-docker does; it is root-equivalent), then restart the gateway',
      },
    ];
  }
  try {
    const Docker = loadDockerode();
    const version = (await new Docker({ socketPath: socket }).version({
      abortSignal: signal,
    } as never)) as unknown as {
      Version: string;
      ApiVersion: string;
    };
    return [
      { check, status: 'ok', detail: `Docker ${version.Version} (API ${version.ApiVersion}) at ${socket}` },
    ];
  } catch (error) {
    return [
      {
        check,
        status: 'fail',
        detail: `the engine at ${socket} does not answer: ${(error as Error).message}`,
        fix: 'check the Docker daemon: systemctl status docker; journalctl -u docker',
      },
    ];
  }
}

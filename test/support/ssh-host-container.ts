import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The image .ci/setup-ssh.sh builds: Debian 12 with systemd, sshd, sudo and a `tailwarden` user. */
export const SSH_HOST_IMAGE = 'tailwarden-test-sshhost:latest';

export interface ContainerHost {
  name: string;
  container: string;
  address: string;
  port: number;
  user: string;
  /** Read on the host itself, as an operator would before pinning. */
  fingerprint: string;
  exec(...argv: string[]): string;
  /** Freeze every sshd process of the host (listener and sessions): it accepts TCP but never answers. */
  hang(): void;
  resume(): void;
  remove(): void;
}

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

export function createTestNetwork(name: string): () => void {
  docker('network', 'create', '--label', 'tw-test=ssh', name);
  return () => {
    execFileSync('docker', ['network', 'rm', name], { stdio: 'ignore' });
  };
}

/** Boot a Debian 12 test host with systemd and sshd, its port 22 published on 127.0.0.1. */
export async function startContainerHost(
  container: string,
  network: string,
  userPublicKeyFile: string,
): Promise<ContainerHost> {
  try {
    docker('image', 'inspect', SSH_HOST_IMAGE);
  } catch {
    throw new Error(`${SSH_HOST_IMAGE} is missing: run .ci/setup-ssh.sh`);
  }
  docker(
    'run',
    '-d',
    '--name',
    container,
    '--hostname',
    container,
    '--network',
    network,
    '--label',
    'tw-test=ssh',
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '-v',
    '/sys/fs/cgroup:/sys/fs/cgroup:ro',
    '-p',
    '127.0.0.1::22',
    SSH_HOST_IMAGE,
  );
  const exec = (...argv: string[]) => docker('exec', container, ...argv);
  for (let attempt = 0; ; attempt++) {
    const state = (() => {
      try {
        return execFileSync('docker', ['exec', container, 'systemctl', 'is-active', 'ssh'], {
          encoding: 'utf8',
        }).trim();
      } catch {
        return 'starting';
      }
    })();
    if (state === 'active') break;
    // 2 minutes at most: liveness only, a loaded machine starts a container's units slowly.
    if (attempt > 480) throw new Error(`${container}: sshd did not start (${state})`);
    await sleep(250);
  }
  execFileSync(
    'docker',
    [
      'exec',
      '-i',
      container,
      'sh',
      '-c',
      'install -d -m 700 -o tailwarden -g tailwarden ~tailwarden/.ssh && cat > ~tailwarden/.ssh/authorized_keys && chown tailwarden: ~tailwarden/.ssh/authorized_keys',
    ],
    { input: readFileSync(userPublicKeyFile) },
  );
  const fingerprint = exec('ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub').split(' ')[1]!;
  const port = Number(docker('port', container, '22/tcp').split('\n')[0]!.split(':').pop());
  return {
    name: container,
    container,
    address: '127.0.0.1',
    port,
    user: 'tailwarden',
    fingerprint,
    exec,
    hang: () => exec('systemctl', 'kill', '--signal=SIGSTOP', 'ssh.service'),
    resume: () => exec('systemctl', 'kill', '--signal=SIGCONT', 'ssh.service'),
    remove: () => {
      execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    },
  };
}

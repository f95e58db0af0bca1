import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian 12 with systemd as PID 1, built by .ci/setup-debian-host.sh. */
export const DEBIAN_IMAGE = 'tailwarden-test-debian:latest';
/** Where startDebianHost puts a Node distribution (bin/node + lib/node_modules/npm) when asked to. */
export const NODE_DIST = '/opt/node-dist';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DebianHost {
  readonly name: string;
  /** Run argv in the container (never through a shell on this side). Does not throw on a non-zero exit. */
  exec(argv: string[], env?: Record<string, string>): Promise<ExecResult>;
  /** Like exec, but throws with the output when the command fails. */
  check(argv: string[], env?: Record<string, string>): Promise<string>;
  copyIn(hostPath: string, containerPath: string): Promise<void>;
  /** The 127.0.0.1 port a published container port is reachable on. */
  hostPort(containerPort: number): Promise<number>;
  remove(): Promise<void>;
}

async function docker(args: string[]): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await run('docker', args, { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The Node binary of the `node` devDependency (Node 24), and the npm that runs these tests. */
export function hostNodeDistribution(): { node: string; npmDir: string } {
  const node = realpathSync(resolve('node_modules/node/bin/node'));
  const candidates = [process.env.npm_execpath, '/usr/lib/node_modules/npm/bin/npm-cli.js'];
  for (const candidate of candidates) {
    if (!candidate || !existsSync(candidate)) continue;
    const npmDir = dirname(dirname(realpathSync(candidate)));
    if (existsSync(resolve(npmDir, 'bin/npm-cli.js'))) return { node, npmDir };
  }
  throw new Error('cannot find npm on this machine to hand to the test host');
}

/**
 * Start a Debian 12 systemd host container (ports published on 127.0.0.1 only) and wait until systemd is up.
 * With withNode, a Node >= 22 distribution is copied to /opt/node-dist (Debian 12's own nodejs is 18), and the
 * host's CA bundle replaces the container's so npm trusts whatever the host trusts.
 */
export async function startDebianHost(options: {
  name: string;
  publish?: number[];
  withNode?: boolean;
}): Promise<DebianHost> {
  if ((await docker(['image', 'inspect', DEBIAN_IMAGE])).code !== 0) {
    throw new Error(`image ${DEBIAN_IMAGE} is missing: run bash .ci/setup-debian-host.sh`);
  }
  await docker(['rm', '-f', options.name]);
  // A network of its own (not the default bridge, which other suites on this dockerd may be changing).
  const network = `${options.name}-net`;
  await docker(['network', 'rm', network]);
  const created = await docker(['network', 'create', network]);
  if (created.code !== 0) throw new Error(`docker network create ${network} failed: ${created.stderr}`);
  const ports = (options.publish ?? []).flatMap((p) => ['-p', `127.0.0.1::${p}`]);
  const started = await docker([
    'run',
    '-d',
    '--name',
    options.name,
    '--hostname',
    options.name,
    '--network',
    network,
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '-v',
    '/sys/fs/cgroup:/sys/fs/cgroup:ro',
    '--cap-add',
    'SYS_ADMIN',
    ...ports,
    DEBIAN_IMAGE,
    '/sbin/init',
  ]);
  if (started.code !== 0) {
    await docker(['network', 'rm', network]);
    throw new Error(`docker run ${DEBIAN_IMAGE} failed: ${started.stderr}`);
  }

  const host: DebianHost = {
    name: options.name,
    exec: (argv, env = {}) =>
      docker([
        'exec',
        ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        options.name,
        ...argv,
      ]),
    async check(argv, env) {
      const result = await host.exec(argv, env);
      if (result.code !== 0)
        throw new Error(`${argv.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
      return result.stdout;
    },
    async copyIn(hostPath, containerPath) {
      const result = await docker(['cp', '-L', hostPath, `${options.name}:${containerPath}`]);
      if (result.code !== 0) throw new Error(`docker cp ${hostPath} failed: ${result.stderr}`);
    },
    async hostPort(containerPort) {
      const { stdout } = await docker(['port', options.name, `${containerPort}/tcp`]);
      const match = /127\.0\.0\.1:(\d+)/.exec(stdout);
      if (!match) throw new Error(`port ${containerPort} is not published: ${stdout}`);
      return Number(match[1]);
    },
    async remove() {
      await docker(['rm', '-f', '-v', options.name]);
      await docker(['network', 'rm', network]);
    },
  };

  // is-system-running --wait returns once boot is done: "running", or "degraded" when some unit failed.
  // Until PID 1 has its bus socket, systemctl cannot connect: try again for a while (bounded).
  let boot = await host.exec(['systemctl', 'is-system-running', '--wait']);
  // 2 minutes at most (liveness: a loaded machine boots a container's systemd slowly).
  for (let attempt = 0; attempt < 240 && /Failed to connect to bus/.test(boot.stderr); attempt++) {
    await new Promise((done) => setTimeout(done, 500));
    boot = await host.exec(['systemctl', 'is-system-running', '--wait']);
  }
  if (!/running|degraded/.test(boot.stdout)) {
    await host.remove();
    throw new Error(`systemd did not come up in ${options.name}: ${boot.stdout}${boot.stderr}`);
  }
  if (options.withNode) {
    const { node, npmDir } = hostNodeDistribution();
    await host.check(['mkdir', '-p', `${NODE_DIST}/bin`, `${NODE_DIST}/lib/node_modules`]);
    await host.copyIn(node, `${NODE_DIST}/bin/node`);
    await host.copyIn(npmDir, `${NODE_DIST}/lib/node_modules/npm`);
    if (existsSync('/etc/ssl/certs/ca-certificates.crt'))
      await host.copyIn('/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt');
  }
  return host;
}

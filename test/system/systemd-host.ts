import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Built by .ci/setup-system-host.sh: Debian 12 with systemd as PID 1. */
export const SYSTEMD_IMAGE = 'tailwarden-test-systemd:latest';

/** A real Debian 12 host with systemd running, in a throwaway container. */
export class SystemdHost {
  readonly name = `tw-test-system-${randomBytes(4).toString('hex')}`;
  readonly image: string;

  constructor(image = SYSTEMD_IMAGE) {
    this.image = image;
  }

  start(): void {
    try {
      execFileSync('docker', ['image', 'inspect', this.image], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `Docker image ${this.image} is missing; build it with .ci/setup-system-host.sh (or .ci/setup-debian-host.sh)`,
      );
    }
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      this.name,
      '--hostname',
      'tw-systemd-host',
      '--tmpfs',
      '/run',
      '--tmpfs',
      '/run/lock',
      '--tmpfs',
      '/mnt/tiny:size=256k',
      '-v',
      '/sys/fs/cgroup:/sys/fs/cgroup:rw',
      '--cgroupns=host',
      '--cap-add',
      'SYS_ADMIN',
      '--network',
      'none',
      this.image,
      '/sbin/init',
    ]);
    for (let i = 0; i < 100; i++) {
      const state = this.exec(['systemctl', 'is-system-running'], true).trim();
      if (state === 'running' || state === 'degraded') return;
      execFileSync('sleep', ['0.2']);
    }
    throw new Error(`systemd in ${this.name} did not finish booting`);
  }

  /** Run a command inside the host (test setup only; the module uses its own runner). */
  exec(argv: string[], allowFail = false): string {
    try {
      return execFileSync('docker', ['exec', this.name, ...argv], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      if (allowFail) return String((error as { stdout?: string }).stdout ?? '');
      throw error;
    }
  }

  writeFile(path: string, content: string): void {
    execFileSync('docker', ['exec', '-i', this.name, 'sh', '-c', 'cat > "$1"', 'sh', path], {
      input: content,
    });
  }

  copyIn(local: string, remote: string): void {
    execFileSync('docker', ['cp', local, `${this.name}:${remote}`]);
  }

  /** The module's exec_prefix for acting on this host. */
  get prefix(): string[] {
    return ['docker', 'exec', this.name];
  }

  stop(): void {
    execFileSync('docker', ['rm', '-f', this.name], { stdio: 'ignore' });
  }
}

function buildDeb(dir: string, name: string, version: string): string {
  const root = join(dir, `${name}_${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc', name), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: tailwarden tests <tests@example.invalid>\nDescription: tailwarden test package\n`,
  );
  writeFileSync(join(root, 'usr/share/doc', name, 'README'), `${name} ${version}\n`);
  const deb = join(dir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-b', root, deb], { stdio: 'ignore' });
  return deb;
}

/**
 * A local, offline apt repository inside the host holding `name` at the given
 * versions, labelled as a security suite, and the only apt source there.
 */
export function publishAptRepo(host: SystemdHost, name: string, versions: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-deb-'));
  try {
    host.exec(['mkdir', '-p', '/srv/repo']);
    const stanzas = versions.map((version) => {
      const deb = buildDeb(dir, name, version);
      const file = deb.slice(dir.length + 1);
      host.copyIn(deb, `/srv/repo/${file}`);
      const control = readFileSync(join(dir, `${name}_${version}`, 'DEBIAN/control'), 'utf8').trim();
      const sha = createHash('sha256').update(readFileSync(deb)).digest('hex');
      return `${control}\nFilename: ./${file}\nSize: ${statSync(deb).size}\nSHA256: ${sha}\n`;
    });
    const packages = stanzas.join('\n');
    host.writeFile('/srv/repo/Packages', packages);
    const packagesSha = createHash('sha256').update(packages).digest('hex');
    host.writeFile(
      '/srv/repo/Release',
      `Origin: tailwarden-test\nLabel: tailwarden-test\nSuite: bookworm-security\nCodename: bookworm-security\nDate: ${new Date().toUTCString()}\nSHA256:\n ${packagesSha} ${Buffer.byteLength(packages)} Packages\n`,
    );
    host.exec(['rm', '-f', '/etc/apt/sources.list', '/etc/apt/sources.list.d/debian.sources']);
    host.writeFile('/etc/apt/sources.list.d/tw-test.list', 'deb [trusted=yes] file:/srv/repo ./\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

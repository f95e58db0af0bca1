import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * vitest globalSetup: before any test runs, check what the suite needs on this machine and, when something is
 * missing, stop with one message that lists it all and the command that sets it up — instead of tests failing
 * one by one deep inside. `bash .ci/run` (or `npm run test:ci`) installs and starts everything, then tests.
 */
const TEST_IMAGES = [
  ['tailwarden-test-busybox:latest', '.ci/build-test-images.sh'],
  ['tailwarden-test-debian:latest', '.ci/setup-debian-host.sh'],
  ['tailwarden-test-sshhost:latest', '.ci/setup-ssh.sh'],
  ['tailwarden-test-systemd:latest', '.ci/setup-system-host.sh'],
] as const;

const BINARIES = [
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
  ['/usr/bin/chromium', 'chromium'],
  ['/bin/busybox', 'busybox-static'],
  ['/usr/bin/git', 'git'],
] as const;

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  for (const [path, pkg] of BINARIES) if (!existsSync(path)) missing.push(`${path} (apt-get install ${pkg})`);
  if (!works('docker', ['info'])) {
    missing.push(
      'a running Docker engine (`docker info` fails: apt-get install docker.io, then start dockerd)',
    );
    return missing;
  }
  for (const [image, script] of TEST_IMAGES)
    if (!works('docker', ['image', 'inspect', image]))
      missing.push(`the test image ${image} (bash ${script})`);
  return missing;
}

export default function setup(): void {
  if (process.env.TAILWARDEN_SKIP_PREREQUISITES === '1') return;
  const missing = missingPrerequisites();
  if (missing.length === 0) return;
  throw new Error(
    `the test suite cannot run on this machine yet; missing:\n  - ${missing.join('\n  - ')}\n` +
      'Set everything up and run the tests in one go with `bash .ci/run` (what CI runs; Debian 12, as root), ' +
      'or run the named commands, then `npm test` again. To run only tests that need none of it: ' +
      'TAILWARDEN_SKIP_PREREQUISITES=1 npx vitest run <files>.',
  );
}

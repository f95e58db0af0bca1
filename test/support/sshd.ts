import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A real OpenSSH server on a loopback address, with its own keys and config, for tests. */
export interface TestSshd {
  address: string;
  port: number;
  dir: string;
  /** `ssh-keygen -lf` of the host key: the fingerprint to pin. */
  fingerprint: string;
  /** Private key the test user logs in with (authorized for root). */
  userKeyFile: string;
  user: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Replace the host key (a reinstalled host, or a man in the middle) and restart. */
  changeHostKey(): Promise<void>;
}

export function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tw-test', '-f', path]);
  return execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
}

export async function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function descendantsOf(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    // ps exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

/** Liveness only: how long a test sshd may take to come up on a loaded machine. */
const START_DEADLINE_MS = 60_000;

async function waitForBanner(address: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`sshd on ${address}:${port} exited (${child.exitCode ?? child.signalCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: address, port }, () => undefined);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
    });
    // The banner must come from this child: a second sshd that lost the port exits at once.
    if (ok && child.exitCode === null && child.signalCode === null) return;
    await sleep(50);
  }
  throw new Error(`sshd on ${address}:${port} did not come up within ${START_DEADLINE_MS / 1000} s`);
}

export async function startSshd(
  options: { address?: string; userKeyFile?: string; sftpUmask?: string } = {},
): Promise<TestSshd> {
  const address = options.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-sshd-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  let fingerprint = keygen(hostKey);
  let userKeyFile = join(dir, 'user_ed25519');
  if (options.userKeyFile) {
    copyFileSync(options.userKeyFile, userKeyFile);
    copyFileSync(`${options.userKeyFile}.pub`, `${userKeyFile}.pub`);
  } else keygen(userKeyFile);
  userKeyFile = join(dir, 'user_ed25519');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKeyFile}.pub`));
  const port = await freePort(address);
  const configFile = join(dir, 'sshd_config');
  writeFileSync(
    configFile,
    [
      `Port ${port}`,
      `ListenAddress ${address}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'MaxSessions 30',
      // Bash sources ~/.bashrc when sshd starts it with SHLVL unset, even for `bash -c`; this
      // machine's root .bashrc takes seconds under load. SHLVL=1 keeps the test host's login
      // shell the bare shell a real host's service account has, whatever the machine's dotfiles.
      'SetEnv SHLVL=1',
      'MaxStartups 100',
      'LogLevel ERROR',
      // As Debian's default sshd_config offers it; a umask shows whether file modes are set exactly.
      `Subsystem sftp internal-sftp${options.sftpUmask ? ` -u ${options.sftpUmask}` : ''}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const sshd: TestSshd = {
    address,
    port,
    dir,
    get fingerprint() {
      return fingerprint;
    },
    userKeyFile,
    user: 'root',
    async start() {
      // Idempotent: a second sshd would fail to bind while the banner check reached the first.
      if (child && child.exitCode === null && child.signalCode === null) return;
      const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      proc.stderr?.on('data', () => undefined);
      child = proc;
      await waitForBanner(address, port, proc);
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      // Connection children outlive the listener; kill them too, so the host is really gone.
      // The listener is frozen first, so it cannot fork a child for a new connection between
      // the listing of its children and their end (one such child kept a "down" host up).
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGSTOP');
      const pids = proc.pid ? descendantsOf(proc.pid) : [];
      proc.kill('SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
    async changeHostKey() {
      await sshd.stop();
      rmSync(hostKey);
      rmSync(`${hostKey}.pub`);
      fingerprint = keygen(hostKey);
      await sshd.start();
    },
  };
  await sshd.start();
  return sshd;
}

/** Stop a test sshd and remove its directory. */
export async function disposeSshd(sshd: TestSshd): Promise<void> {
  await sshd.stop();
  rmSync(sshd.dir, { recursive: true, force: true });
}

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX, waitFor } from './support.ts';

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Processes whose command line mentions `path` — only ever our own dockerd's containerd and shims. */
function processesUsing(path: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * A second, private dockerd (own socket, state, containerd namespace, no bridge
 * or iptables), so a test can crash and restart "the engine" without touching
 * the shared one. Each start is a new generation of state on the same socket:
 * dockerd 20.10 restoring a crashed generation's live containers waits ~60 s
 * for their shims, too slow for a test; the gateway only sees the socket.
 */
export class PrivateDockerd {
  readonly dir = mkdtempSync('/tmp/tw-test-dockerd-');
  readonly socket = join(this.dir, 'docker.sock');
  readonly engine = new Docker({ socketPath: this.socket });
  private child: ChildProcess | undefined;
  private generation = 0;

  private get state(): string {
    return join(this.dir, `gen${this.generation}`);
  }

  async start(): Promise<void> {
    this.generation += 1;
    const ns = `tw-test-${this.dir.slice(-6).toLowerCase()}-${this.generation}`;
    // biome-ignore format: flag/value pairs read best one pair per line
    this.child = spawn('dockerd', [
      '--host', `unix://${this.socket}`,
      '--data-root', join(this.state, 'data'),
      '--exec-root', join(this.state, 'exec'),
      '--pidfile', join(this.state, 'dockerd.pid'),
      '--storage-driver', 'vfs',
      '--bridge', 'none',
      '--iptables=false',
      '--ip-masq=false',
      '--containerd-namespace', ns,
      '--containerd-plugins-namespace', `${ns}-plugins`,
    ], { stdio: 'ignore' });
    await waitFor(
      () =>
        this.engine.ping().then(
          () => true,
          () => false,
        ),
      'the private dockerd',
      30_000,
    );
  }

  /** Copy the test image over from the shared engine (no registry). */
  loadTestImage(): void {
    execFileSync('sh', ['-c', `docker save ${BUSYBOX} | docker -H unix://${this.socket} load -q`], {
      stdio: 'ignore',
    });
  }

  /** Kill dockerd at once, as a crash would, then clear away what the crash left running. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || exited(child)) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await done;
    this.reap();
  }

  /** Graceful stop: dockerd stops its containers and its containerd. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || exited(child)) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  }

  private reap(): void {
    for (const pid of processesUsing(this.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // A killed dockerd leaves its mounts behind; detach ours (deepest first).
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((path) => path.startsWith(this.dir))
      .sort()
      .reverse();
    for (const path of mounts) execFileSync('umount', ['-l', path]);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    this.reap();
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}

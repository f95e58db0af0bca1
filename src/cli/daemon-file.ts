import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';

/**
 * `tailwarden serve` writes where it really listens to serve.json in the state directory, so the other commands
 * (approvals show, doctor) name the address the daemon uses — which flags or the environment of the daemon may
 * have set differently from what the CLI's own config says.
 */
export interface DaemonFile {
  pid: number;
  version: string;
  /** The bound address, HOST:PORT ([v6]:PORT). */
  listen: string;
  public_url: string | null;
  started_at: string;
}

const fileOf = (stateDir: string) => join(stateDir, 'serve.json');

export function writeDaemonFile(stateDir: string, info: DaemonFile): () => void {
  const file = fileOf(stateDir);
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return () => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as DaemonFile).pid === info.pid) rmSync(file);
    } catch {
      // already gone, or replaced by another daemon: leave it
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** The running daemon's serve.json, or undefined when none runs with this state directory. */
export function readDaemonFile(stateDir: string): DaemonFile | undefined {
  try {
    const info = JSON.parse(readFileSync(fileOf(stateDir), 'utf8')) as DaemonFile;
    return Number.isInteger(info.pid) && typeof info.listen === 'string' && alive(info.pid)
      ? info
      : undefined;
  } catch {
    return undefined;
  }
}

/** The public URL and listen address of the running daemon when there is one, else the config's. */
export function reachableAddress(config: Pick<Config, 'public_url' | 'listen' | 'state_dir'>): {
  public_url: string | undefined;
  listen: string;
} {
  const daemon = readDaemonFile(config.state_dir);
  return {
    public_url: daemon ? (daemon.public_url ?? undefined) : config.public_url,
    listen: daemon?.listen ?? config.listen,
  };
}

import { spawn } from 'node:child_process';
import { GatewayError } from '../../errors.ts';

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra environment variables (on top of a minimal, fixed environment). */
  env?: Record<string, string>;
  /** Most bytes of stdout and of stderr kept (the rest is counted, not kept). */
  outputCap?: number;
  /** Called with each complete line of stdout or stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/**
 * Runs host commands as argument arrays (never through a shell). `prefix` is
 * put before every command, e.g. `nsenter -t 1 ... --` to act on the host from
 * a container, or `docker exec <ctr>` to act on another machine in tests.
 */
export class CommandRunner {
  readonly prefix: readonly string[];

  constructor(prefix: readonly string[] = []) {
    this.prefix = prefix;
  }

  run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const full = [...this.prefix, ...argv];
    const cap = options.outputCap ?? 256 * 1024;
    return new Promise((resolvePromise, reject) => {
      const child = spawn(full[0]!, full.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          LC_ALL: 'C.UTF-8',
          ...options.env,
        },
        signal: options.signal,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
      });
      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      const kept = { stdout: 0, stderr: 0 };
      const partial = { stdout: '', stderr: '' };
      let truncated = false;
      const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (kept[stream] < cap) {
          const piece = chunk.subarray(0, cap - kept[stream]);
          out[stream].push(piece);
          kept[stream] += piece.length;
          if (piece.length < chunk.length) truncated = true;
        } else truncated = true;
        if (options.onLine) {
          const lines = (partial[stream] + chunk.toString('utf8')).split('\n');
          partial[stream] = lines.pop() ?? '';
          for (const line of lines) options.onLine(line, stream);
        }
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT')
          reject(
            new GatewayError(
              'ERR_UPSTREAM_UNAVAILABLE',
              this.prefix.length
                ? `${full[0]} (from modules.system.exec_prefix) is not installed.`
                : `${full[0]} is not installed on this host.`,
              { cause: error },
            ),
          );
        else if (error.name === 'AbortError')
          reject(new GatewayError('ERR_TIMEOUT', `${argv[0]} was cancelled.`, { cause: error }));
        else reject(error);
      });
      child.on('close', (code, signalName) => {
        if (signalName === 'SIGKILL' && code === null && !options.signal?.aborted) {
          reject(
            new GatewayError(
              'ERR_TIMEOUT',
              `${argv[0]} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
            ),
          );
          return;
        }
        const stderrText = Buffer.concat(out.stderr).toString('utf8');
        // Through a prefix (docker exec, nsenter) a missing command is exit 126/127, not ENOENT.
        if (
          (code === 126 || code === 127) &&
          /not found|No such file or directory/i.test(
            stderrText + Buffer.concat(out.stdout).toString('utf8').slice(0, 2000),
          )
        ) {
          reject(new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `${argv[0]} is not installed on this host.`));
          return;
        }
        for (const stream of ['stdout', 'stderr'] as const)
          if (options.onLine && partial[stream]) options.onLine(partial[stream], stream);
        resolvePromise({
          code,
          stdout: Buffer.concat(out.stdout).toString('utf8'),
          stderr: Buffer.concat(out.stderr).toString('utf8'),
          truncated,
        });
      });
    });
  }
}

import { spawn } from 'node:child_process';
import { GatewayError } from '../../../errors.ts';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  /** Each output line as it arrives (stdout and stderr interleaved). */
  onLine?: (line: string) => void;
  /** Most bytes of each stream kept (its end). Default 64 KiB. */
  keep?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const KEEP = 64 * 1024;

/** Keep the end of a growing output: the last lines are the ones that explain a failure. */
function appendTail(current: string, chunk: string, keep: number): string {
  const next = current + chunk;
  return next.length > keep ? next.slice(next.length - keep) : next;
}

/**
 * Run a program from an argument array (never a shell string), bounded by a
 * timeout and the call's abort signal. Resolves with the exit code and output
 * tails; rejects only when it cannot start or is stopped.
 */
export function runProgram(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let stoppedBy: GatewayError | undefined;
    const emit = (chunk: string) => {
      if (!options.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine(line.replace(/\r$/, ''));
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = appendTail(stdout, chunk, options.keep ?? KEEP);
      emit(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = appendTail(stderr, chunk, options.keep ?? KEEP);
      emit(chunk);
    });
    const stop = (error: GatewayError) => {
      stoppedBy ??= error;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(
      () =>
        stop(
          new GatewayError(
            'ERR_TIMEOUT',
            `${command} ${args[0] ?? ''} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () =>
      stop(new GatewayError('ERR_TIMEOUT', `${command} was stopped: the call was cancelled.`));
    options.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      done();
      reject(
        new GatewayError(
          'ERR_UPSTREAM_UNAVAILABLE',
          `Could not run ${command}: ${error.message}. Is it installed?`,
          {
            cause: error,
          },
        ),
      );
    });
    child.on('close', (code) => {
      done();
      if (partial.trim() && options.onLine) options.onLine(partial);
      if (stoppedBy) reject(stoppedBy);
      else resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The last few lines of a program's error output, for a message. */
export function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).join('\n').slice(-2000);
}

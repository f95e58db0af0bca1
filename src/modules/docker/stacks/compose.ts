import { GatewayError } from '../../../errors.ts';
import { type RunResult, runProgram } from './run.ts';

export interface ComposeRunOptions {
  cwd: string;
  signal: AbortSignal;
  onLine?: (line: string) => void;
}

/**
 * Runs the compose CLI: `docker compose` (v2) when the engine's CLI has it,
 * `docker-compose` (v1, what Debian 12 packages) otherwise. Always argument
 * arrays, always bounded by modules.docker.compose_timeout.
 */
export class ComposeRunner {
  private detected: Promise<string[]> | undefined;
  private readonly socket: string;
  private readonly timeoutMs: number;

  constructor(socket: string, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
  }

  private get env(): Record<string, string> {
    return { DOCKER_HOST: `unix://${this.socket}` };
  }

  /** The command prefix: ['docker', 'compose'] or ['docker-compose']. */
  command(signal: AbortSignal): Promise<string[]> {
    this.detected ??= this.detect(signal).catch((error: unknown) => {
      this.detected = undefined; // try again next time: it may get installed
      throw error;
    });
    return this.detected;
  }

  private async detect(signal: AbortSignal): Promise<string[]> {
    const options = { signal, timeoutMs: 20_000, env: this.env };
    const v2 = await runProgram(['docker', 'compose', 'version'], options).catch(() => undefined);
    if (v2?.code === 0) return ['docker', 'compose'];
    const v1 = await runProgram(['docker-compose', 'version', '--short'], options).catch(() => undefined);
    if (v1?.code === 0) return ['docker-compose'];
    throw new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      "No compose CLI found: neither `docker compose` nor `docker-compose` runs. Install the docker-compose-plugin (or Debian's docker-compose package).",
    );
  }

  async run(args: readonly string[], options: ComposeRunOptions): Promise<RunResult> {
    const prefix = await this.command(options.signal);
    return runProgram([...prefix, ...args], {
      cwd: options.cwd,
      env: this.env,
      signal: options.signal,
      timeoutMs: this.timeoutMs,
      onLine: options.onLine,
    });
  }
}

import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { GatewayError } from '../../errors.ts';
import { loadSsh2 } from '../../util/lazy-require.ts';
import { fingerprintOf, keyTypeOf } from './hosts.ts';

/** The channel could not be opened, so the command never started: safe to retry on a fresh connection. */
export class ChannelOpenFailed extends GatewayError {
  constructor(cause: unknown) {
    super('ERR_UPSTREAM_UNAVAILABLE', 'The SSH connection was lost before the command started.', { cause });
  }
}

export interface ExecOptions {
  timeout: number;
  outputCap: number;
  signal: AbortSignal;
  /**
   * Each output line as it arrives (stdout and stderr interleaved). With it, output beyond
   * `outputCap` keeps its newest part instead of stopping the command: a long compose run
   * streams on, and its last lines (the ones that explain a failure) are kept.
   */
  onLine?: (line: string) => void;
}

export interface ExecResult {
  exit_code: number | null;
  exit_signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  duration_ms: number;
}

/** Whole lines out of a byte stream (UTF-8 kept intact across chunks); an endless line is cut at 64 KiB. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.onLine = onLine;
  }

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = (lines.pop() ?? '').slice(-64 * 1024);
    for (const line of lines) this.emit(line);
  }

  end(): void {
    this.emit(this.partial + this.decoder.end());
    this.partial = '';
  }

  private emit(line: string): void {
    if (line.trim()) this.onLine(line.replace(/\r$/, ''));
  }
}

/** Run one exec string on an open connection, with a deadline and a cap on the output kept. */
export function execOn(client: Client, command: string, options: ExecOptions): Promise<ExecResult> {
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    const opened = (error: Error | undefined, channel: ClientChannel) => {
      if (error) return reject(new ChannelOpenFailed(error));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      let settled = false;

      const stop = (channelToStop: ClientChannel) => {
        // Ask sshd to kill the process, then close the channel in any case.
        try {
          channelToStop.signal('KILL');
        } catch {
          // the channel may already be closing; closing below is what matters
        }
        channelToStop.close();
      };
      const finish = (failure?: GatewayError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        resolve({
          exit_code: exitCode,
          exit_signal: exitSignal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          truncated,
          duration_ms: Math.round(performance.now() - started),
        });
      };
      // One line splitter per stream, so stdout and stderr never mix within a line.
      const splitters: LineSplitter[] = [];
      const keepTail = (into: Buffer[]) => {
        const lines = new LineSplitter(options.onLine!);
        splitters.push(lines);
        let size = 0;
        return (chunk: Buffer) => {
          lines.push(chunk);
          into.push(chunk);
          size += chunk.length;
          while (size > options.outputCap && into.length > 1) {
            size -= into.shift()!.length;
            truncated = true;
          }
        };
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        if (truncated) return;
        const room = options.outputCap - kept;
        if (chunk.length > room) {
          into.push(chunk.subarray(0, room));
          kept = options.outputCap;
          truncated = true;
          stop(channel);
          return;
        }
        into.push(chunk);
        kept += chunk.length;
      };
      const timer = setTimeout(() => {
        stop(channel);
        finish(
          new GatewayError(
            'ERR_TIMEOUT',
            `The command did not finish within ${options.timeout} ms and was stopped.`,
          ),
        );
      }, options.timeout);
      const onAbort = () => {
        stop(channel);
        finish(new GatewayError('ERR_TIMEOUT', 'The call was cancelled; the remote command was stopped.'));
      };
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });

      const sink = options.onLine ? keepTail : collect;
      channel.on('data', sink(stdout));
      channel.stderr.on('data', sink(stderr));
      channel.on('exit', (code: number | null, signalName?: string) => {
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = signalName ?? null;
      });
      channel.on('close', () => {
        for (const lines of splitters) lines.end();
        if (exitCode === null && exitSignal === null && (!truncated || options.onLine))
          return finish(
            new GatewayError(
              'ERR_UPSTREAM_UNAVAILABLE',
              'The connection to the host was lost while the command ran; its outcome is unknown.',
            ),
          );
        finish();
      });
      channel.on('error', (err: Error) =>
        finish(new GatewayError('ERR_UPSTREAM_FAILED', 'The SSH channel failed.', { cause: err })),
      );
    };
    try {
      client.exec(command, opened);
    } catch (error) {
      // ssh2 throws synchronously when the connection is already gone.
      reject(new ChannelOpenFailed(error));
    }
  });
}

/**
 * Learn a server's host key without authenticating: the handshake is stopped
 * right after the key is presented, so no credential reaches an unverified host.
 */
export function probeHostKey(
  address: string,
  port: number,
  timeout: number,
): Promise<{ fingerprint: string; key_type: string; latency_ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const client = new (loadSsh2().Client)();
    let fingerprint: string | undefined;
    let keyType = 'unknown';
    client.on('error', (error) => {
      client.end();
      if (fingerprint)
        resolve({ fingerprint, key_type: keyType, latency_ms: Math.round(performance.now() - started) });
      else reject(error);
    });
    client.connect({
      host: address,
      port,
      username: 'tailwarden-probe',
      readyTimeout: timeout,
      hostVerifier: (key: Buffer) => {
        fingerprint = fingerprintOf(key);
        keyType = keyTypeOf(key);
        return false;
      },
    });
  });
}

import { hostname } from 'node:os';
import type { Logger } from '../../log.ts';
import { describeFailure, hostOf, post } from '../../notify/channels.ts';
import { type Clock, every } from '../clock.ts';
import type { WatchConfig } from '../config.ts';
import { otlpRequest } from './otlp.ts';
import type { ExportSample } from './remote-write.ts';

const BATCH = 5000;

interface Target {
  name: 'prometheus' | 'otlp';
  queue: ExportSample[];
  dropped: number;
  sent: number;
  failures: number;
  lastError?: string;
  send(batch: ExportSample[]): Promise<void>;
}

/**
 * Sends the collected samples to the time-series engines configured (Prometheus remote
 * write, OTLP/HTTP), in batches on a timer, each batch retried with backoff. The buffer is
 * bounded: when an engine stays away, the oldest samples are dropped and counted.
 */
export class Exporter {
  private readonly targets: Target[] = [];
  private stop: (() => void) | undefined;
  private flushing: Promise<void> | undefined;
  private readonly o: { config: WatchConfig['export']; clock: Clock; log: Logger };

  constructor(options: { config: WatchConfig['export']; clock: Clock; log: Logger }) {
    this.o = options;
    const { config } = options;
    const host = hostname();
    if (config.prometheus.url) {
      const url = config.prometheus.url;
      const headers: Record<string, string> = {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        'user-agent': 'tailwarden',
      };
      if (config.prometheus.username)
        headers.authorization = `Basic ${Buffer.from(`${config.prometheus.username}:${config.prometheus.password ?? ''}`).toString('base64')}`;
      else if (config.prometheus.bearer_token)
        headers.authorization = `Bearer ${config.prometheus.bearer_token}`;
      this.targets.push(
        this.target('prometheus', async (batch) => {
          // Loaded only when remote write is configured (protobufjs is not small).
          const { encodeWriteRequest } = await import('./remote-write.ts');
          await this.postBinary(
            url,
            headers,
            encodeWriteRequest(batch, { instance: host, job: 'tailwarden' }),
          );
        }),
      );
    }
    if (config.otlp.url) {
      const url = config.otlp.url;
      this.targets.push(
        this.target('otlp', (batch) =>
          post(
            url,
            {
              headers: {
                'content-type': 'application/json',
                ...(config.otlp.authorization ? { authorization: config.otlp.authorization } : {}),
              },
              body: JSON.stringify(otlpRequest(batch, { 'service.name': 'tailwarden', 'host.name': host })),
            },
            config.timeout,
          ),
        ),
      );
    }
  }

  private target(name: Target['name'], send: Target['send']): Target {
    return { name, queue: [], dropped: 0, sent: 0, failures: 0, send };
  }

  private async postBinary(url: string, headers: Record<string, string>, body: Uint8Array): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(this.o.config.timeout),
    });
    const text = res.ok ? '' : (await res.text()).slice(0, 200);
    if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }

  get enabled(): boolean {
    return this.targets.length > 0;
  }

  status() {
    return this.targets.map((t) => ({
      target: t.name,
      url_host: hostOf(
        (t.name === 'prometheus' ? this.o.config.prometheus.url : this.o.config.otlp.url) ?? '',
      ),
      queued: t.queue.length,
      sent: t.sent,
      dropped: t.dropped,
      failures: t.failures,
      ...(t.lastError ? { last_error: t.lastError } : {}),
    }));
  }

  push(name: string, labels: Record<string, string>, value: number, t: number): void {
    for (const target of this.targets) {
      target.queue.push({ name, labels, value, t });
      if (target.queue.length > this.o.config.max_buffer) {
        const over = target.queue.length - this.o.config.max_buffer;
        target.queue.splice(0, over);
        target.dropped += over;
      }
    }
  }

  start(): void {
    if (this.enabled) this.stop = every(this.o.clock, this.o.config.interval, () => void this.flush());
  }

  /** Send what is buffered now; a batch that fails is retried with backoff, then dropped. */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async sendAll(): Promise<void> {
    await Promise.all(
      this.targets.map(async (target) => {
        while (target.queue.length > 0) {
          const batch = target.queue.splice(0, BATCH);
          let attempt = 0;
          for (;;) {
            attempt++;
            try {
              await target.send(batch);
              target.sent += batch.length;
              break;
            } catch (error) {
              target.failures++;
              target.lastError = describeFailure(error);
              if (attempt >= this.o.config.attempts) {
                target.dropped += batch.length;
                this.o.log.warn(
                  { target: target.name, error: target.lastError, samples: batch.length },
                  'metrics export failed; batch dropped',
                );
                return;
              }
              // Backoff in real time: the engine on the other side lives in real time.
              await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** (attempt - 1))).unref());
            }
          }
        }
      }),
    );
  }

  close(): void {
    this.stop?.();
  }
}

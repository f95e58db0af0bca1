import type { Logger } from '../../log.ts';
import type { SeriesName } from '../series.ts';

/** What a source is handed on each run: where samples and events go. */
export interface SourceContext {
  /** The collector clock's time of this tick (ms). */
  now: number;
  signal: AbortSignal;
  log: Logger;
  record(name: SeriesName, labels: Record<string, string>, value: number): void;
  /** `t` defaults to `now` (Docker events carry the engine's own time). */
  event(kind: string, subject: string, detail: Record<string, unknown>, t?: number): void;
  /**
   * A current fact that is no number (a container's state and exit code, a unit's state, a
   * peer's key expiry…), kept in memory for the alert rules. A run's facts replace the
   * previous run's, so what a run no longer reports is gone.
   */
  fact(kind: string, key: string, value: Record<string, unknown>): void;
}

/**
 * One kind of thing the collector samples (the host, processes, Docker, …). It reads
 * through the module clients and samplers it is given and knows nothing of storage.
 */
export interface Source {
  id: string;
  /** The events it records are of this area (their readers need its permission). */
  area: 'system' | 'docker' | 'tailscale' | 'fleet';
  /** How often it runs; a source still running when it is due again is skipped that tick. */
  everyMs: number;
  run(ctx: SourceContext): Promise<void>;
  close?(): void;
}

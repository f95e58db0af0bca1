import type { Logger } from '../log.ts';
import type { Clock, Timer } from './clock.ts';
import { enforceCap, prune, type Retention, rollUp } from './retention.ts';
import type { SeriesName } from './series.ts';
import type { RecentEvent, Snapshot } from './snapshot.ts';
import type { Source, SourceContext } from './sources/source.ts';
import type { HistoryStore } from './store.ts';

const MAINTENANCE_EVERY_MS = 10 * 60_000;
/**
 * Samples are written once a minute: each write dirties one page per series whatever its
 * size, so four ticks per write is a quarter of the disk writes. Readers flush first, so
 * a query always sees the latest collection; alert rules read memory, not the database.
 */
const FLUSH_EVERY_MS = 60_000;

export type SampleListener = (
  name: SeriesName,
  labels: Record<string, string>,
  value: number,
  t: number,
) => void;

export interface CollectorOptions {
  store: HistoryStore;
  snapshot: Snapshot;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  retention: Retention;
  sources: Source[];
  /** Runs after each collection's samples are written (the alert rules). */
  afterTick?: (nowMs: number) => Promise<void> | void;
  onSample?: SampleListener;
  onEvent?: (event: RecentEvent) => void;
}

export interface SourceHealth {
  runs: number;
  failures: number;
  skipped: number;
  last_error?: string;
  last_ms?: number;
}

/**
 * Runs every source on its own period, writes what they report in one batch per
 * collection, then evaluates the alert rules and rolls up, prunes and caps the history.
 * It runs beside tool calls and never holds anything they wait for: a source that is
 * still busy when it is due again is skipped, and every source runs under a deadline.
 */
export class Collector {
  readonly health = new Map<string, SourceHealth>();
  ticks = 0;
  lastTickMs = 0;
  lastFlushMs = 0;
  private readonly running = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private lastMaintenance = 0;
  private lastFlush = 0;
  private timer: Timer | undefined;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();
  private readonly shutdown = new AbortController();
  private readonly o: CollectorOptions;

  constructor(options: CollectorOptions) {
    this.o = options;
    for (const source of options.sources) this.health.set(source.id, { runs: 0, failures: 0, skipped: 0 });
  }

  /** Collects every interval; the first collection once `started` resolves (by default the next turn of the loop). */
  start(started?: Promise<void>): void {
    const schedule = () => {
      this.timer = this.o.clock.setTimeout(() => {
        if (this.stopped) return;
        schedule();
        this.current = this.current.then(() => this.tick());
      }, this.o.intervalMs);
    };
    schedule();
    // The first collection forks commands and loads client libraries (dockerode): it waits until the daemon
    // answers requests, so it does not delay the first one (settled() still waits for it).
    // Stopping before then (a failed listen) must not leave settled() waiting on it.
    const ready = started ?? new Promise<void>((resolve) => setImmediate(resolve));
    const stopped = new Promise<void>((resolve) =>
      this.shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    this.current = Promise.race([ready, stopped]).then(() => this.tick());
  }

  /** Resolves when the collection in progress (if any) is done. */
  settled(): Promise<void> {
    return this.current;
  }

  stop(): void {
    this.stopped = true;
    this.shutdown.abort();
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    for (const source of this.o.sources) source.close?.();
  }

  /** One collection: the due sources, one write, the rules, upkeep. Never throws. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const started = performance.now();
    const now = this.o.clock.now();
    const due = this.o.sources.filter((source) => {
      const last = this.lastRun.get(source.id);
      if (last !== undefined && now - last < source.everyMs - this.o.intervalMs / 2) return false;
      if (this.running.has(source.id)) {
        this.health.get(source.id)!.skipped++;
        return false;
      }
      return true;
    });
    await Promise.all(due.map((source) => this.runSource(source, now)));
    if (this.stopped) return;
    try {
      if (now - this.lastFlush >= FLUSH_EVERY_MS || this.o.store.pending > 50_000) {
        const flushStart = performance.now();
        this.o.store.flush();
        this.lastFlush = now;
        this.lastFlushMs = performance.now() - flushStart;
      }
      this.o.snapshot.expire(now - Math.max(3 * this.o.intervalMs, 60_000));
      this.o.snapshot.pruneEvents(now);
      await this.o.afterTick?.(now);
      this.maintain(now);
    } catch (err) {
      this.o.log.error({ err }, 'metrics collection could not be written');
    }
    this.ticks++;
    this.lastTickMs = performance.now() - started;
  }

  private async runSource(source: Source, now: number): Promise<void> {
    this.running.add(source.id);
    this.lastRun.set(source.id, now);
    const health = this.health.get(source.id)!;
    const facts = new Map<string, Map<string, Record<string, unknown>>>();
    const started = performance.now();
    const ctx: SourceContext = {
      now,
      log: this.o.log,
      signal: AbortSignal.any([
        AbortSignal.timeout(Math.max(5000, Math.min(source.everyMs, 60_000))),
        this.shutdown.signal,
      ]),
      record: (name, labels, value) => {
        this.o.store.record(name, labels, value, now);
        // A slow source's values stay current until it is due again.
        this.o.snapshot.set(name, labels, value, now + Math.max(0, source.everyMs - this.o.intervalMs));
        this.o.onSample?.(name, labels, value, now);
      },
      event: (kind, subject, detail, t = now) => {
        const event = { t, kind, area: source.area, subject, detail };
        this.o.store.event(event);
        this.o.snapshot.addEvent(event);
        this.o.onEvent?.(event);
      },
      fact: (kind, key, value) => {
        const map = facts.get(kind) ?? new Map<string, Record<string, unknown>>();
        facts.set(kind, map);
        if (map.size < 10_000) map.set(key, value);
      },
    };
    try {
      await source.run(ctx);
      health.runs++;
      for (const [kind, map] of facts) this.o.snapshot.replaceFacts(kind, map);
    } catch (err) {
      health.failures++;
      const message = (err as Error).message?.slice(0, 300) ?? String(err);
      if (health.last_error !== message) this.o.log.warn({ err, source: source.id }, 'metrics source failed');
      health.last_error = message;
    } finally {
      health.last_ms = Math.round(performance.now() - started);
      this.running.delete(source.id);
    }
  }

  private maintain(now: number): void {
    const nowS = Math.floor(now / 1000);
    const { store, retention } = this.o;
    // Minutes are rolled once the samples of the next tick have had time to land.
    rollUp(store, 'm1', nowS - Math.ceil(this.o.intervalMs / 1000), Math.floor(retention.raw / 1000));
    rollUp(store, 'm15', Number(store.meta('rollup.m1') ?? 0), Math.floor(retention.m1 / 1000));
    if (now - this.lastMaintenance < MAINTENANCE_EVERY_MS) return;
    this.lastMaintenance = now;
    store.saveLastSeen();
    store.dropStaleSeries(now - Math.max(retention.raw, retention.m1, retention.m15));
    prune(store, retention, now);
    enforceCap(store, retention, now, this.o.log);
  }
}

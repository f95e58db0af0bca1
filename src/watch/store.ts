import type { StatementSync } from 'node:sqlite';
import type { Logger } from '../log.ts';
import { StateDb } from '../state/db.ts';
import { labelKey } from './match.ts';
import type { SeriesName } from './series.ts';

export const HISTORY_DB_FILE = 'history.db';

/** Values are kept as integers in hundredths (2–4 bytes instead of an 8-byte float per sample). */
export const SCALE = 100;

export const TIERS = ['raw', 'm1', 'm15'] as const;
export type Tier = (typeof TIERS)[number];
/** Seconds one row of a tier covers (raw: one sample). */
export const TIER_BUCKET: Record<Tier, number> = { raw: 0, m1: 60, m15: 900 };

const MIGRATIONS = [
  {
    id: 'watch-001-history',
    sql: `
      CREATE TABLE watch_series (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL,
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, UNIQUE (name, labels));
      CREATE TABLE watch_raw (series INTEGER NOT NULL, t INTEGER NOT NULL, v INTEGER NOT NULL,
        PRIMARY KEY (series, t)) WITHOUT ROWID;
      CREATE TABLE watch_m1 (series INTEGER NOT NULL, t INTEGER NOT NULL, mn INTEGER NOT NULL, mx INTEGER NOT NULL,
        sm INTEGER NOT NULL, n INTEGER NOT NULL, p95 INTEGER NOT NULL, PRIMARY KEY (series, t)) WITHOUT ROWID;
      CREATE TABLE watch_m15 (series INTEGER NOT NULL, t INTEGER NOT NULL, mn INTEGER NOT NULL, mx INTEGER NOT NULL,
        sm INTEGER NOT NULL, n INTEGER NOT NULL, p95 INTEGER NOT NULL, PRIMARY KEY (series, t)) WITHOUT ROWID;
      CREATE TABLE watch_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE watch_events (id INTEGER PRIMARY KEY, t INTEGER NOT NULL, kind TEXT NOT NULL,
        area TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX watch_events_t ON watch_events (t);`,
  },
];

export interface SeriesRow {
  id: number;
  name: string;
  labels: Record<string, string>;
}

export interface StoreLimits {
  maxSeries: number;
  maxBufferedSamples: number;
}

export interface EventRecord {
  /** Milliseconds since the epoch. */
  t: number;
  kind: string;
  area: string;
  subject: string;
  detail: Record<string, unknown>;
}

/**
 * The metrics history: series, samples in three tiers (full resolution, 1-minute,
 * 15-minute), events, and small bookkeeping values, in its own SQLite file in the
 * state directory. Samples are buffered and written in one transaction per flush.
 */
export class HistoryStore {
  readonly db: StateDb;
  private readonly ids = new Map<string, number>();
  private readonly lastSeen = new Map<number, number>();
  private buffer: { series: number; t: number; v: number }[] = [];
  private events: EventRecord[] = [];
  /** Samples refused because the series cap was reached (since start). */
  droppedSeries = 0;
  droppedSamples = 0;
  private warnedCap = false;
  private readonly insertRaw: StatementSync;
  private readonly insertEvent: StatementSync;
  private readonly touchSeries: StatementSync;

  private readonly limits: StoreLimits;
  private readonly log: Logger;

  constructor(stateDir: string, limits: StoreLimits, log: Logger) {
    this.limits = limits;
    this.log = log;
    this.db = new StateDb(stateDir, { file: HISTORY_DB_FILE, initSql: 'PRAGMA auto_vacuum = INCREMENTAL;' });
    this.db.migrate(MIGRATIONS);
    // NORMAL: a crash may lose the last write, never corrupt; the WAL is cut back after checkpoints.
    this.db.sqlite.exec('PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 8388608;');
    for (const row of this.db.sqlite.prepare('SELECT id, name, labels FROM watch_series').all()) {
      this.ids.set(`${row.name} ${row.labels}`, Number(row.id));
    }
    this.insertRaw = this.db.sqlite.prepare(
      'INSERT OR REPLACE INTO watch_raw (series, t, v) VALUES (?, ?, ?)',
    );
    this.insertEvent = this.db.sqlite.prepare(
      'INSERT INTO watch_events (t, kind, area, subject, detail) VALUES (?, ?, ?, ?, ?)',
    );
    this.touchSeries = this.db.sqlite.prepare('UPDATE watch_series SET last_at = ? WHERE id = ?');
  }

  get seriesCount(): number {
    return this.ids.size;
  }

  /** The id of a series, creating it unless the cap is reached (then undefined). */
  seriesId(name: SeriesName, labels: Record<string, string>, tMs: number): number | undefined {
    const key = `${name} ${labelKey(labels)}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if (this.ids.size >= this.limits.maxSeries) {
      this.droppedSeries++;
      if (!this.warnedCap) {
        this.warnedCap = true;
        this.log.warn(
          { max_series: this.limits.maxSeries, series: name },
          'metrics history is at watch.max_series; new series are not recorded until old ones expire',
        );
      }
      return undefined;
    }
    const t = Math.floor(tMs / 1000);
    const row = this.db.sqlite
      .prepare(
        'INSERT INTO watch_series (name, labels, first_at, last_at) VALUES (?, ?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET last_at = excluded.last_at RETURNING id',
      )
      .get(name, labelKey(labels), t, t) as { id: number };
    this.ids.set(key, Number(row.id));
    return Number(row.id);
  }

  /** Buffer one sample (written at the next flush). */
  record(name: SeriesName, labels: Record<string, string>, value: number, tMs: number): void {
    if (!Number.isFinite(value)) return;
    const series = this.seriesId(name, labels, tMs);
    if (series === undefined) return;
    if (this.buffer.length >= this.limits.maxBufferedSamples) {
      this.droppedSamples++;
      return;
    }
    this.buffer.push({ series, t: Math.floor(tMs / 1000), v: Math.round(value * SCALE) });
    this.lastSeen.set(series, tMs);
  }

  /** Buffer one event (written at the next flush). */
  event(event: EventRecord): void {
    if (this.events.length >= this.limits.maxBufferedSamples) return;
    this.events.push(event);
  }

  get pending(): number {
    return this.buffer.length + this.events.length;
  }

  /** Write everything buffered in one transaction. */
  flush(): { samples: number; events: number } {
    if (this.buffer.length === 0 && this.events.length === 0) return { samples: 0, events: 0 };
    const samples = this.buffer;
    const events = this.events;
    this.buffer = [];
    this.events = [];
    const sqlite = this.db.sqlite;
    sqlite.exec('BEGIN');
    try {
      for (const s of samples) this.insertRaw.run(s.series, s.t, s.v);
      for (const e of events)
        this.insertEvent.run(e.t, e.kind, e.area, e.subject, JSON.stringify(e.detail).slice(0, 4000));
      sqlite.exec('COMMIT');
    } catch (error) {
      sqlite.exec('ROLLBACK');
      throw error;
    }
    return { samples: samples.length, events: events.length };
  }

  /** Persist when each series was last seen (so series that stopped reporting can expire). */
  saveLastSeen(): void {
    if (this.lastSeen.size === 0) return;
    this.db.sqlite.exec('BEGIN');
    try {
      for (const [id, tMs] of this.lastSeen) this.touchSeries.run(Math.floor(tMs / 1000), id);
      this.db.sqlite.exec('COMMIT');
    } catch (error) {
      this.db.sqlite.exec('ROLLBACK');
      throw error;
    }
    this.lastSeen.clear();
  }

  allSeriesIds(): number[] {
    return [...this.ids.values()];
  }

  /** Series whose name is one of `names`, optionally narrowed by a label filter. */
  seriesByName(names: readonly string[]): SeriesRow[] {
    if (names.length === 0) return [];
    const rows = this.db.sqlite
      .prepare(`SELECT id, name, labels FROM watch_series WHERE name IN (${names.map(() => '?').join(',')})`)
      .all(...names);
    return rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      labels: JSON.parse(String(r.labels)) as Record<string, string>,
    }));
  }

  /** Forget series (and their samples) that have not reported since `beforeMs`. */
  dropStaleSeries(beforeMs: number): number {
    const stale = this.db.sqlite
      .prepare('SELECT id, name, labels FROM watch_series WHERE last_at < ?')
      .all(Math.floor(beforeMs / 1000));
    for (const row of stale) {
      const id = Number(row.id);
      for (const tier of TIERS) this.db.sqlite.prepare(`DELETE FROM watch_${tier} WHERE series = ?`).run(id);
      this.db.sqlite.prepare('DELETE FROM watch_series WHERE id = ?').run(id);
      this.ids.delete(`${row.name} ${row.labels}`);
    }
    if (stale.length > 0) this.warnedCap = false;
    return stale.length;
  }

  meta(key: string): string | undefined {
    const row = this.db.sqlite.prepare('SELECT value FROM watch_meta WHERE key = ?').get(key);
    return row ? String(row.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.db.sqlite
      .prepare(
        'INSERT INTO watch_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Bytes the database uses (pages in use, not free ones). */
  usedBytes(): number {
    const get = (pragma: string) =>
      Number(Object.values(this.db.sqlite.prepare(`PRAGMA ${pragma}`).get() ?? {})[0] ?? 0);
    return (get('page_count') - get('freelist_count')) * get('page_size');
  }

  close(): void {
    try {
      this.flush();
      this.saveLastSeen();
    } catch (err) {
      this.log.warn({ err }, 'metrics history: last flush failed');
    }
    this.db.close();
  }
}

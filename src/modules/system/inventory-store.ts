import type { StateDb } from '../../state/db.ts';

export const INVENTORY_MIGRATIONS = [
  {
    id: 'system-inventory-1',
    sql: `CREATE TABLE system_inventory (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, app TEXT, detail TEXT NOT NULL,
      first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, present INTEGER NOT NULL);
    CREATE TABLE system_inventory_notes (
      id TEXT PRIMARY KEY, note TEXT, app TEXT, hidden INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
    CREATE TABLE system_identity (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

export interface InventoryItem {
  id: string;
  kind: 'unit' | 'port' | 'container';
  name: string;
  /** The homelab app this looks like (detected, or as corrected by the user). */
  app: string | null;
  detected_app: string | null;
  detail: Record<string, unknown>;
  note: string | null;
  hidden: boolean;
  present: boolean;
  first_seen: string;
  last_seen: string;
}

export interface ScannedItem {
  id: string;
  kind: InventoryItem['kind'];
  name: string;
  app: string | null;
  detail: Record<string, unknown>;
}

interface Row {
  id: string;
  kind: InventoryItem['kind'];
  name: string;
  app: string | null;
  detail: string;
  first_seen: number;
  last_seen: number;
  present: number;
  note: string | null;
  app_override: string | null;
  hidden: number | null;
}

/** What was found on the host, with the user's notes and corrections, in the state database. */
export class InventoryStore {
  private readonly db: StateDb;

  constructor(db: StateDb) {
    this.db = db;
    db.migrate(INVENTORY_MIGRATIONS);
  }

  /** Record a scan: upsert what was found, mark what was not as absent. Notes are kept. */
  record(items: readonly ScannedItem[], now = Date.now()): void {
    const sql = this.db.sqlite;
    const upsert = sql.prepare(
      `INSERT INTO system_inventory (id, kind, name, app, detail, first_seen, last_seen, present)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT(id) DO UPDATE SET app = excluded.app, detail = excluded.detail, last_seen = excluded.last_seen, present = 1`,
    );
    sql.exec('BEGIN IMMEDIATE');
    try {
      sql.prepare('UPDATE system_inventory SET present = 0').run();
      for (const item of items)
        upsert.run(item.id, item.kind, item.name, item.app, JSON.stringify(item.detail), now, now);
      sql.exec('COMMIT');
    } catch (error) {
      sql.exec('ROLLBACK');
      throw error;
    }
  }

  list(options: { includeHidden?: boolean; includeAbsent?: boolean } = {}): InventoryItem[] {
    const rows = this.db.sqlite
      .prepare(
        `SELECT i.*, n.note AS note, n.app AS app_override, n.hidden AS hidden
         FROM system_inventory i LEFT JOIN system_inventory_notes n ON n.id = i.id ORDER BY i.kind, i.name`,
      )
      .all() as unknown as Row[];
    return rows
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        app: r.app_override ?? r.app,
        detected_app: r.app,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        note: r.note,
        hidden: r.hidden === 1,
        present: r.present === 1,
        first_seen: new Date(r.first_seen).toISOString(),
        last_seen: new Date(r.last_seen).toISOString(),
      }))
      .filter((i) => (options.includeHidden || !i.hidden) && (options.includeAbsent || i.present));
  }

  get(id: string): InventoryItem | undefined {
    return this.list({ includeHidden: true, includeAbsent: true }).find((i) => i.id === id);
  }

  annotate(id: string, change: { note?: string | null; app?: string | null; hidden?: boolean }): void {
    const current = this.db.sqlite
      .prepare('SELECT note, app, hidden FROM system_inventory_notes WHERE id = ?')
      .get(id) as { note: string | null; app: string | null; hidden: number } | undefined;
    const note = change.note !== undefined ? change.note : (current?.note ?? null);
    const app = change.app !== undefined ? change.app : (current?.app ?? null);
    const hidden = change.hidden !== undefined ? (change.hidden ? 1 : 0) : (current?.hidden ?? 0);
    this.db.sqlite
      .prepare(
        `INSERT INTO system_inventory_notes (id, note, app, hidden, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET note = excluded.note, app = excluded.app, hidden = excluded.hidden, updated_at = excluded.updated_at`,
      )
      .run(id, note, app, hidden, Date.now());
  }

  identityValue(key: string): string | undefined {
    const row = this.db.sqlite.prepare('SELECT value FROM system_identity WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setIdentityValue(key: string, value: string | null): void {
    if (value === null) this.db.sqlite.prepare('DELETE FROM system_identity WHERE key = ?').run(key);
    else
      this.db.sqlite
        .prepare(
          'INSERT INTO system_identity (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        )
        .run(key, value);
  }
}

import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { explainUnwritable } from './unwritable.ts';

/** A named schema change. Each feature owns its ids (prefix them with the feature name). */
export interface Migration {
  id: string;
  sql: string;
}

export const DB_FILE = 'tailwarden.db';

/** Create the state directory (0700) if needed and return its path. */
export function ensureStateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The embedded SQLite database in the state directory, shared by the daemon and
 * CLI commands (WAL mode, so a CLI write never blocks the daemon for long).
 */
export class StateDb {
  readonly sqlite: DatabaseSync;
  readonly path: string;

  /**
   * `file` names another database in the state directory (the metrics history lives in its own, so
   * its size can be capped and vacuumed without touching tokens and approvals); `initSql` runs before
   * anything is created in a new file (e.g. `PRAGMA auto_vacuum`, which only takes effect then).
   */
  constructor(stateDir: string, options: { file?: string; initSql?: string } = {}) {
    this.path = join(stateDir, options.file ?? DB_FILE);
    try {
      ensureStateDir(stateDir);
      this.sqlite = new DatabaseSync(this.path);
      chmodSync(this.path, 0o600);
      if (options.initSql) this.sqlite.exec(options.initSql);
      this.sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
      this.sqlite.exec(
        'CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)',
      );
    } catch (error) {
      throw explainUnwritable(error, stateDir, 'The state directory');
    }
  }

  /** Apply, in order and once each, the migrations not applied yet. */
  migrate(migrations: readonly Migration[]): void {
    const applied = this.sqlite.prepare('SELECT 1 FROM migrations WHERE id = ?');
    const record = this.sqlite.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)');
    for (const migration of migrations) {
      if (applied.get(migration.id)) continue;
      this.sqlite.exec('BEGIN IMMEDIATE');
      try {
        if (!applied.get(migration.id)) {
          this.sqlite.exec(migration.sql);
          record.run(migration.id, Date.now());
        }
        this.sqlite.exec('COMMIT');
      } catch (error) {
        this.sqlite.exec('ROLLBACK');
        throw error;
      }
    }
  }

  close(): void {
    if (this.sqlite.isOpen) this.sqlite.close();
  }
}

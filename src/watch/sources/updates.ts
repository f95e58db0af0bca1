import type { SystemContext } from '../../modules/system/context.ts';
import { pendingUpdates } from '../../modules/system/packages.ts';
import type { HistoryStore } from '../store.ts';
import type { Source } from './source.ts';

const MAX_TRACKED = 5000;

/**
 * Pending package updates, and since when each security update has been pending (kept in
 * the history database, so the age survives restarts). Reads the package index as it is:
 * refreshing it is the host's own apt timer's job (and needs root).
 */
export function updatesSource(system: SystemContext['system'], store: HistoryStore, everyMs: number): Source {
  const sqlite = store.db.sqlite;
  sqlite.exec(
    'CREATE TABLE IF NOT EXISTS watch_pending_updates (name TEXT NOT NULL, version TEXT NOT NULL, security INTEGER NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (name, version))',
  );
  return {
    id: 'updates',
    area: 'system',
    everyMs,
    async run(ctx) {
      const result = await pendingUpdates({ system, signal: ctx.signal });
      ctx.record('updates.pending', {}, result.count);
      ctx.record('updates.security_pending', {}, result.security_count);
      const known = new Map(
        sqlite
          .prepare('SELECT name, version, first_seen FROM watch_pending_updates')
          .all()
          .map((r) => [`${r.name} ${r.version}`, Number(r.first_seen)]),
      );
      const current = result.updates.slice(0, MAX_TRACKED);
      sqlite.exec('BEGIN');
      try {
        sqlite.exec('DELETE FROM watch_pending_updates');
        const insert = sqlite.prepare(
          'INSERT OR REPLACE INTO watch_pending_updates (name, version, security, first_seen) VALUES (?, ?, ?, ?)',
        );
        for (const u of current) {
          const first = known.get(`${u.name} ${u.available}`) ?? ctx.now;
          insert.run(u.name, u.available, u.security ? 1 : 0, first);
          if (u.security) ctx.fact('security_update', u.name, { version: u.available, first_seen: first });
        }
        sqlite.exec('COMMIT');
      } catch (error) {
        sqlite.exec('ROLLBACK');
        throw error;
      }
    },
  };
}

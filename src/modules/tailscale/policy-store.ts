import type { Migration, StateDb } from '../../state/db.ts';

export const policyMigrations: readonly Migration[] = [
  {
    id: 'tailscale-001-policy-versions',
    sql: `CREATE TABLE tailscale_policy_versions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tailnet TEXT NOT NULL,
      etag TEXT NOT NULL,
      policy TEXT NOT NULL,
      reason TEXT NOT NULL,
      principal TEXT NOT NULL,
      call_id TEXT NOT NULL,
      saved_at INTEGER NOT NULL
    );
    CREATE INDEX tailscale_policy_versions_tailnet ON tailscale_policy_versions (tailnet, id);`,
  },
];

/** Versions kept per tailnet; older ones are dropped when a new one is saved. */
const KEEP = 50;

export interface PolicyVersion {
  id: number;
  etag: string;
  policy: string;
  reason: string;
  principal: string;
  call_id: string;
  saved_at: number;
}

/** Policy files the gateway replaced, kept in the state database so a change can be rolled back. */
export class PolicyStore {
  private readonly db: StateDb;

  constructor(db: StateDb) {
    this.db = db;
    db.migrate(policyMigrations);
  }

  save(tailnet: string, version: Omit<PolicyVersion, 'id' | 'saved_at'>): number {
    const sqlite = this.db.sqlite;
    const result = sqlite
      .prepare(
        'INSERT INTO tailscale_policy_versions (tailnet, etag, policy, reason, principal, call_id, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        tailnet,
        version.etag,
        version.policy,
        version.reason,
        version.principal,
        version.call_id,
        Date.now(),
      );
    sqlite
      .prepare(
        'DELETE FROM tailscale_policy_versions WHERE tailnet = ? AND id NOT IN (SELECT id FROM tailscale_policy_versions WHERE tailnet = ? ORDER BY id DESC LIMIT ?)',
      )
      .run(tailnet, tailnet, KEEP);
    return Number(result.lastInsertRowid);
  }

  remove(id: number): void {
    this.db.sqlite.prepare('DELETE FROM tailscale_policy_versions WHERE id = ?').run(id);
  }

  get(tailnet: string, id: number): PolicyVersion | undefined {
    return this.db.sqlite
      .prepare('SELECT * FROM tailscale_policy_versions WHERE tailnet = ? AND id = ?')
      .get(tailnet, id) as PolicyVersion | undefined;
  }

  list(tailnet: string): Omit<PolicyVersion, 'policy'>[] {
    return this.db.sqlite
      .prepare(
        'SELECT id, etag, reason, principal, call_id, saved_at, length(policy) AS size FROM tailscale_policy_versions WHERE tailnet = ? ORDER BY id DESC',
      )
      .all(tailnet) as unknown as Omit<PolicyVersion, 'policy'>[];
  }
}

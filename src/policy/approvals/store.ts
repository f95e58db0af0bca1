import { randomBytes } from 'node:crypto';
import type { Migration, StateDb } from '../../state/db.ts';

export const APPROVAL_MIGRATIONS: Migration[] = [
  {
    id: 'approvals_001_create',
    sql: `CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      principal_id TEXT NOT NULL,
      principal_name TEXT NOT NULL,
      tool TEXT NOT NULL,
      risk TEXT NOT NULL,
      args_json TEXT NOT NULL,
      args_hash TEXT NOT NULL,
      summary TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'used')),
      decided_at INTEGER,
      decided_by_id TEXT,
      decided_by_name TEXT,
      decided_via TEXT,
      reason TEXT,
      used_at INTEGER,
      audited_state TEXT
    );
    CREATE INDEX approvals_state ON approvals (state, expires_at);`,
  },
];

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'used'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface ApprovalRecord {
  id: string;
  principalId: string;
  principalName: string;
  tool: string;
  risk: string;
  /** The arguments for display (secrets redacted); the hash covers the real ones. */
  args: Record<string, unknown>;
  argsHash: string;
  summary: string;
  createdAt: number;
  expiresAt: number;
  state: ApprovalState;
  decidedAt: number | null;
  decidedById: string | null;
  decidedByName: string | null;
  decidedVia: string | null;
  reason: string | null;
  usedAt: number | null;
}

/** Who decided, and through which channel (cli, page). */
export interface Approver {
  id: string;
  name: string;
  via: string;
}

export interface NewApproval {
  principalId: string;
  principalName: string;
  tool: string;
  risk: string;
  args: Record<string, unknown>;
  argsHash: string;
  summary: string;
  ttlMs: number;
}

type Row = Record<string, string | number | null>;
const numOrNull = (v: string | number | null | undefined) =>
  v === null || v === undefined ? null : Number(v);
const strOrNull = (v: string | number | null | undefined) =>
  v === null || v === undefined ? null : String(v);

function toRecord(row: Row): ApprovalRecord {
  return {
    id: String(row.id),
    principalId: String(row.principal_id),
    principalName: String(row.principal_name),
    tool: String(row.tool),
    risk: String(row.risk),
    args: JSON.parse(String(row.args_json)) as Record<string, unknown>,
    argsHash: String(row.args_hash),
    summary: String(row.summary),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    state: String(row.state) as ApprovalState,
    decidedAt: numOrNull(row.decided_at),
    decidedById: strOrNull(row.decided_by_id),
    decidedByName: strOrNull(row.decided_by_name),
    decidedVia: strOrNull(row.decided_via),
    reason: strOrNull(row.reason),
    usedAt: numOrNull(row.used_at),
  };
}

/** Approval ids are unguessable: knowing one is not enough to do anything, but it should not be enumerable. */
export function newApprovalId(): string {
  return `apr_${randomBytes(10).toString('hex')}`;
}

/**
 * Approval requests in the state database, shared by the daemon, the CLI and
 * the page. Every state change is one conditional UPDATE, so two channels
 * deciding at once, or two calls using one approval, cannot both win.
 */
export class ApprovalStore {
  private readonly db: StateDb;

  constructor(db: StateDb) {
    this.db = db;
    db.migrate(APPROVAL_MIGRATIONS);
  }

  create(input: NewApproval, now = Date.now()): ApprovalRecord {
    const id = newApprovalId();
    this.db.sqlite
      .prepare(
        `INSERT INTO approvals (id, principal_id, principal_name, tool, risk, args_json, args_hash, summary,
          created_at, expires_at, state, audited_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 'pending')`,
      )
      .run(
        id,
        input.principalId,
        input.principalName,
        input.tool,
        input.risk,
        JSON.stringify(input.args),
        input.argsHash,
        input.summary,
        now,
        now + input.ttlMs,
      );
    return this.get(id)!;
  }

  get(id: string): ApprovalRecord | undefined {
    const row = this.db.sqlite.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(states: readonly ApprovalState[] = APPROVAL_STATES, limit = 200): ApprovalRecord[] {
    const marks = states.map(() => '?').join(', ');
    const rows = this.db.sqlite
      .prepare(`SELECT * FROM approvals WHERE state IN (${marks}) ORDER BY created_at DESC LIMIT ?`)
      .all(...states, limit) as Row[];
    return rows.map(toRecord);
  }

  /** Approve or deny a pending, unexpired request. Returns false when it was not (any longer) pending. */
  decide(
    id: string,
    decision: 'approved' | 'denied',
    approver: Approver,
    reason: string | undefined,
    now = Date.now(),
  ): boolean {
    const result = this.db.sqlite
      .prepare(
        `UPDATE approvals SET state = ?, decided_at = ?, decided_by_id = ?, decided_by_name = ?, decided_via = ?, reason = ?
         WHERE id = ? AND state = 'pending' AND expires_at > ?`,
      )
      .run(decision, now, approver.id, approver.name, approver.via, reason ?? null, id, now);
    return Number(result.changes) > 0;
  }

  /** Use an approved request once. Returns false when it is not approved and unexpired (any longer). */
  consume(id: string, now = Date.now()): boolean {
    const result = this.db.sqlite
      .prepare(
        `UPDATE approvals SET state = 'used', used_at = ? WHERE id = ? AND state = 'approved' AND expires_at > ?`,
      )
      .run(now, id, now);
    return Number(result.changes) > 0;
  }

  /** Remove a request that could not be audited, so nothing unaudited can ever be approved. */
  remove(id: string): void {
    this.db.sqlite.prepare("DELETE FROM approvals WHERE id = ? AND state = 'pending'").run(id);
  }

  /** Forget finished, audited requests created before `before`. */
  prune(before: number): void {
    this.db.sqlite
      .prepare(
        `DELETE FROM approvals WHERE state IN ('denied', 'expired', 'used') AND audited_state = state AND created_at < ?`,
      )
      .run(before);
  }

  /** Mark pending and approved-but-unused requests past their expiry as expired. */
  expireDue(now = Date.now()): number {
    const result = this.db.sqlite
      .prepare(
        `UPDATE approvals SET state = 'expired' WHERE state IN ('pending', 'approved') AND expires_at <= ?`,
      )
      .run(now);
    return Number(result.changes);
  }

  /** Requests whose current state has no audit record yet (changed by the CLI, or expired). */
  unaudited(): ApprovalRecord[] {
    const rows = this.db.sqlite
      .prepare('SELECT * FROM approvals WHERE audited_state IS NOT state ORDER BY created_at')
      .all() as Row[];
    return rows.map(toRecord);
  }

  /** The state whose audit record was written last (null before any). */
  auditedState(id: string): ApprovalState | null {
    const row = this.db.sqlite.prepare('SELECT audited_state FROM approvals WHERE id = ?').get(id) as
      | Row
      | undefined;
    return row?.audited_state ? (String(row.audited_state) as ApprovalState) : null;
  }

  markAudited(id: string, state: ApprovalState): void {
    this.db.sqlite.prepare('UPDATE approvals SET audited_state = ? WHERE id = ?').run(state, id);
  }
}

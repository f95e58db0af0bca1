import type { ToolResult } from '../../mcp/tool.ts';
import type { Migration, StateDb } from '../../state/db.ts';

export const RESULT_MIGRATIONS: Migration[] = [
  {
    id: 'approvals_002_results',
    sql: `CREATE TABLE approval_results (
      approval_id TEXT PRIMARY KEY,
      principal_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'done')),
      result_json TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX approval_results_expiry ON approval_results (expires_at);`,
  },
];

/** The largest result kept for a retry; a larger one is replaced by a note saying what happened. */
export const KEPT_RESULT_MAX_BYTES = 262_144;

export type KeptResult =
  | { state: 'running'; startedAt: number }
  | { state: 'done'; startedAt: number; finishedAt: number; result: ToolResult };

/**
 * What a call run under an approval answered, kept for a while, so the caller can fetch it by calling
 * again with the same approval id instead of asking for (and running) the action a second time.
 * Rows are written by the daemon only, bound to the principal that used the approval, and expire.
 */
export class ApprovalResults {
  private readonly db: StateDb;

  constructor(db: StateDb) {
    this.db = db;
    db.migrate(RESULT_MIGRATIONS);
  }

  /** The approval has just been used: its call is starting. */
  begin(approvalId: string, principalId: string, keepMs: number, now = Date.now()): void {
    this.db.sqlite
      .prepare(
        `INSERT OR REPLACE INTO approval_results (approval_id, principal_id, state, started_at, expires_at)
         VALUES (?, ?, 'running', ?, ?)`,
      )
      .run(approvalId, principalId, now, now + keepMs);
  }

  /** The call has finished; keep what it answered (or a note when that is too large to keep). */
  finish(approvalId: string, result: ToolResult, keepMs: number, now = Date.now()): void {
    let json = JSON.stringify(result);
    if (Buffer.byteLength(json) > KEPT_RESULT_MAX_BYTES) {
      const note: ToolResult = {
        ...(result.isError ? { isError: true } : {}),
        content: [
          {
            type: 'text',
            text: `The call approved as ${approvalId} ran and finished ${result.isError ? 'with an error' : 'successfully'} at ${new Date(now).toISOString()}; its result (${Buffer.byteLength(json)} bytes) was larger than the ${KEPT_RESULT_MAX_BYTES} bytes kept for a retry. Read the current state with the matching read-only tool.`,
          },
        ],
      };
      json = JSON.stringify(note);
    }
    this.db.sqlite
      .prepare(
        `UPDATE approval_results SET state = 'done', result_json = ?, finished_at = ?, expires_at = ?
         WHERE approval_id = ?`,
      )
      .run(json, now, now + keepMs, approvalId);
  }

  /** What is kept for this approval and principal (undefined when nothing is, or it expired). */
  get(approvalId: string, principalId: string, now = Date.now()): KeptResult | undefined {
    const row = this.db.sqlite
      .prepare('SELECT * FROM approval_results WHERE approval_id = ? AND principal_id = ? AND expires_at > ?')
      .get(approvalId, principalId, now) as Record<string, string | number | null> | undefined;
    if (!row) return undefined;
    if (row.state !== 'done') return { state: 'running', startedAt: Number(row.started_at) };
    return {
      state: 'done',
      startedAt: Number(row.started_at),
      finishedAt: Number(row.finished_at),
      result: JSON.parse(String(row.result_json)) as ToolResult,
    };
  }

  prune(now = Date.now()): void {
    this.db.sqlite.prepare('DELETE FROM approval_results WHERE expires_at <= ?').run(now);
  }
}

import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Permission } from '../../policy/permissions.ts';
import type { StateDb } from '../../state/db.ts';

export interface StoredReport {
  id: string;
  kind: string;
  format: string;
  mimeType: string;
  title: string;
  /** What a reader must hold to open it (the permission of the tool that made it). */
  permission: Permission;
  createdAt: number;
  createdBy: string;
  bytes: number;
  content: string;
}

const MIGRATIONS = [
  {
    id: 'watch-003-reports',
    sql: `CREATE TABLE watch_reports (id TEXT PRIMARY KEY, kind TEXT NOT NULL, format TEXT NOT NULL,
      mime_type TEXT NOT NULL, title TEXT NOT NULL, permission TEXT NOT NULL, created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL, bytes INTEGER NOT NULL, content TEXT NOT NULL);
      CREATE INDEX watch_reports_created ON watch_reports (created_at);`,
  },
];

const MAX_REPORTS = 200;

/** Generated reports, kept for a while so a client can open the resource link it was given. */
export class ReportStore {
  private readonly sqlite: DatabaseSync;
  readonly maxBytes: number;

  constructor(db: StateDb, maxBytes: number) {
    db.migrate(MIGRATIONS);
    this.sqlite = db.sqlite;
    this.maxBytes = maxBytes;
  }

  save(report: Omit<StoredReport, 'id' | 'bytes'>): StoredReport {
    const id = randomUUID();
    const bytes = Buffer.byteLength(report.content);
    this.sqlite
      .prepare(
        'INSERT INTO watch_reports (id, kind, format, mime_type, title, permission, created_at, created_by, bytes, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        report.kind,
        report.format,
        report.mimeType,
        report.title,
        report.permission,
        report.createdAt,
        report.createdBy,
        bytes,
        report.content,
      );
    // Bounded in count as well as age: the oldest go first.
    this.sqlite
      .prepare(
        'DELETE FROM watch_reports WHERE id NOT IN (SELECT id FROM watch_reports ORDER BY created_at DESC LIMIT ?)',
      )
      .run(MAX_REPORTS);
    return { ...report, id, bytes };
  }

  get(id: string): StoredReport | undefined {
    const r = this.sqlite.prepare('SELECT * FROM watch_reports WHERE id = ?').get(id);
    if (!r) return undefined;
    return {
      id: String(r.id),
      kind: String(r.kind),
      format: String(r.format),
      mimeType: String(r.mime_type),
      title: String(r.title),
      permission: String(r.permission) as Permission,
      createdAt: Number(r.created_at),
      createdBy: String(r.created_by),
      bytes: Number(r.bytes),
      content: String(r.content),
    };
  }

  prune(beforeMs: number): void {
    this.sqlite.prepare('DELETE FROM watch_reports WHERE created_at < ?').run(beforeMs);
  }
}

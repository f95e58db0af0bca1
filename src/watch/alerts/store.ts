import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { StateDb } from '../../state/db.ts';

export const ALERT_MIGRATIONS = [
  {
    id: 'watch-002-alerts',
    sql: `
      CREATE TABLE watch_alerts (id TEXT PRIMARY KEY, rule TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
        area TEXT NOT NULL, key TEXT NOT NULL, labels TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL,
        value REAL, started_at INTEGER NOT NULL, acknowledged_at INTEGER, acknowledged_by TEXT, ack_comment TEXT,
        resolved_at INTEGER, updated_at INTEGER NOT NULL);
      CREATE INDEX watch_alerts_status ON watch_alerts (status, started_at);
      CREATE INDEX watch_alerts_started ON watch_alerts (started_at);
      CREATE TABLE watch_alert_log (id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, t INTEGER NOT NULL,
        change TEXT NOT NULL, by TEXT, detail TEXT NOT NULL);
      CREATE INDEX watch_alert_log_t ON watch_alert_log (t);
      CREATE TABLE watch_silences (id TEXT PRIMARY KEY, rule TEXT NOT NULL, match TEXT NOT NULL,
        ends_at INTEGER NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, reason TEXT NOT NULL);
      CREATE TABLE watch_deliveries (id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, change TEXT NOT NULL,
        channel TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
        error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX watch_deliveries_alert ON watch_deliveries (alert_id);
      CREATE TABLE watch_rules (name TEXT PRIMARY KEY, rule TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
  },
];

export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';
/** `remediation`: a step of the remediation its rule names (not a change of status). */
export type AlertChangeKind = 'firing' | 'acknowledged' | 'resolved' | 'remediation';

export interface AlertRecord {
  id: string;
  rule: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  area: string;
  key: string;
  labels: Record<string, string>;
  status: AlertStatus;
  summary: string;
  value: number | null;
  startedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  ackComment: string | null;
  resolvedAt: number | null;
}

export interface Silence {
  id: string;
  rule: string;
  match: Record<string, string>;
  endsAt: number;
  createdAt: number;
  createdBy: string;
  reason: string;
}

function toAlert(r: Record<string, unknown>): AlertRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    rule: String(r.rule),
    kind: String(r.kind),
    severity: String(r.severity) as AlertRecord['severity'],
    area: String(r.area),
    key: String(r.key),
    labels: JSON.parse(String(r.labels)) as Record<string, string>,
    status: String(r.status) as AlertStatus,
    summary: String(r.summary),
    value: num(r.value),
    startedAt: Number(r.started_at),
    acknowledgedAt: num(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by === null ? null : String(r.acknowledged_by),
    ackComment: r.ack_comment === null ? null : String(r.ack_comment),
    resolvedAt: num(r.resolved_at),
  };
}

/** Alerts, their change log, silences, deliveries and tool-made rules, in the history database. */
export class AlertStore {
  private readonly sqlite: DatabaseSync;

  constructor(db: StateDb) {
    db.migrate(ALERT_MIGRATIONS);
    this.sqlite = db.sqlite;
  }

  open(): AlertRecord[] {
    return this.sqlite
      .prepare("SELECT * FROM watch_alerts WHERE status != 'resolved' ORDER BY started_at")
      .all()
      .map(toAlert);
  }

  get(id: string): AlertRecord | undefined {
    const row = this.sqlite.prepare('SELECT * FROM watch_alerts WHERE id = ?').get(id);
    return row ? toAlert(row) : undefined;
  }

  /** Alerts that started or were open in [from, to), newest first. */
  between(fromMs: number, toMs: number, limit: number): AlertRecord[] {
    return this.sqlite
      .prepare(
        'SELECT * FROM watch_alerts WHERE started_at < ? AND (resolved_at IS NULL OR resolved_at >= ?) ORDER BY started_at DESC LIMIT ?',
      )
      .all(toMs, fromMs, limit)
      .map(toAlert);
  }

  create(alert: Omit<AlertRecord, 'id'>, now: number): AlertRecord {
    const id = randomUUID();
    this.sqlite
      .prepare(
        'INSERT INTO watch_alerts (id, rule, kind, severity, area, key, labels, status, summary, value, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        alert.rule,
        alert.kind,
        alert.severity,
        alert.area,
        alert.key,
        JSON.stringify(alert.labels),
        alert.status,
        alert.summary,
        alert.value,
        alert.startedAt,
        now,
      );
    return { ...alert, id };
  }

  update(id: string, fields: Partial<Pick<AlertRecord, 'summary' | 'value'>>, now: number): void {
    this.sqlite
      .prepare(
        'UPDATE watch_alerts SET summary = COALESCE(?, summary), value = ?, updated_at = ? WHERE id = ?',
      )
      .run(fields.summary ?? null, fields.value ?? null, now, id);
  }

  acknowledge(id: string, by: string, comment: string | null, now: number): void {
    this.sqlite
      .prepare(
        "UPDATE watch_alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, ack_comment = ?, updated_at = ? WHERE id = ?",
      )
      .run(now, by, comment, now, id);
  }

  resolve(id: string, now: number): void {
    this.sqlite
      .prepare("UPDATE watch_alerts SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?")
      .run(now, now, id);
  }

  log(
    alertId: string,
    change: string,
    by: string | null,
    detail: Record<string, unknown>,
    now: number,
  ): void {
    this.sqlite
      .prepare('INSERT INTO watch_alert_log (alert_id, t, change, by, detail) VALUES (?, ?, ?, ?, ?)')
      .run(alertId, now, change, by, JSON.stringify(detail));
  }

  changes(
    alertId: string,
  ): { t: number; change: string; by: string | null; detail: Record<string, unknown> }[] {
    return this.sqlite
      .prepare('SELECT t, change, by, detail FROM watch_alert_log WHERE alert_id = ? ORDER BY id LIMIT 200')
      .all(alertId)
      .map((r) => ({
        t: Number(r.t),
        change: String(r.change),
        by: r.by === null ? null : String(r.by),
        detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
      }));
  }

  addSilence(silence: Silence): void {
    this.sqlite
      .prepare(
        'INSERT INTO watch_silences (id, rule, match, ends_at, created_at, created_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        silence.id,
        silence.rule,
        JSON.stringify(silence.match),
        silence.endsAt,
        silence.createdAt,
        silence.createdBy,
        silence.reason,
      );
  }

  removeSilence(id: string): boolean {
    return Number(this.sqlite.prepare('DELETE FROM watch_silences WHERE id = ?').run(id).changes) > 0;
  }

  silences(now: number): Silence[] {
    return this.sqlite
      .prepare('SELECT * FROM watch_silences WHERE ends_at > ? ORDER BY ends_at')
      .all(now)
      .map((r) => ({
        id: String(r.id),
        rule: String(r.rule),
        match: JSON.parse(String(r.match)) as Record<string, string>,
        endsAt: Number(r.ends_at),
        createdAt: Number(r.created_at),
        createdBy: String(r.created_by),
        reason: String(r.reason),
      }));
  }

  recordDelivery(d: {
    alertId: string;
    change: string;
    channel: string;
    target: string;
    status: string;
    attempts: number;
    error: string | null;
    now: number;
  }): number {
    const row = this.sqlite
      .prepare(
        'INSERT INTO watch_deliveries (alert_id, change, channel, target, status, attempts, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      )
      .get(d.alertId, d.change, d.channel, d.target, d.status, d.attempts, d.error, d.now, d.now);
    return Number(row?.id);
  }

  updateDelivery(id: number, status: string, attempts: number, error: string | null, now: number): void {
    this.sqlite
      .prepare('UPDATE watch_deliveries SET status = ?, attempts = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(status, attempts, error, now, id);
  }

  deliveries(alertId: string) {
    return this.sqlite
      .prepare(
        'SELECT change, channel, target, status, attempts, error, created_at, updated_at FROM watch_deliveries WHERE alert_id = ? ORDER BY id LIMIT 200',
      )
      .all(alertId)
      .map((r) => ({
        change: String(r.change),
        channel: String(r.channel),
        target: String(r.target),
        status: String(r.status),
        attempts: Number(r.attempts),
        error: r.error === null ? null : String(r.error),
        at: new Date(Number(r.updated_at)).toISOString(),
      }));
  }

  /** Forget resolved alerts, their logs and deliveries, older than `beforeMs`. */
  prune(beforeMs: number): void {
    const old = "SELECT id FROM watch_alerts WHERE status = 'resolved' AND resolved_at < ?";
    this.sqlite.prepare(`DELETE FROM watch_alert_log WHERE alert_id IN (${old})`).run(beforeMs);
    this.sqlite.prepare(`DELETE FROM watch_deliveries WHERE alert_id IN (${old})`).run(beforeMs);
    this.sqlite
      .prepare("DELETE FROM watch_alerts WHERE status = 'resolved' AND resolved_at < ?")
      .run(beforeMs);
    this.sqlite.prepare('DELETE FROM watch_silences WHERE ends_at < ?').run(beforeMs);
  }

  storedRules(): { name: string; rule: unknown; createdBy: string }[] {
    return this.sqlite
      .prepare('SELECT name, rule, created_by FROM watch_rules ORDER BY name')
      .all()
      .map((r) => ({
        name: String(r.name),
        rule: JSON.parse(String(r.rule)) as unknown,
        createdBy: String(r.created_by),
      }));
  }

  saveRule(name: string, rule: unknown, by: string, now: number): void {
    this.sqlite
      .prepare(
        'INSERT INTO watch_rules (name, rule, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at',
      )
      .run(name, JSON.stringify(rule), by, now, now);
  }

  deleteRule(name: string): boolean {
    return Number(this.sqlite.prepare('DELETE FROM watch_rules WHERE name = ?').run(name).changes) > 0;
  }
}

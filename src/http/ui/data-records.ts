import { readAnchor } from '../../audit/head.ts';
import { auditPath } from '../../audit/path.ts';
import { type AuditSummary, auditRecordsBetween } from '../../audit/range.ts';
import { redactArgs } from '../../audit/redact.ts';
import { type VerifyReport, verifyAuditLog } from '../../audit/verify.ts';
import type { Principal } from '../../auth/principal.ts';
import { GatewayError } from '../../errors.ts';
import type { Gateway } from '../../gateway.ts';
import type { ApprovalRecord } from '../../policy/approvals/store.ts';
import { parseRange } from '../../util/when.ts';

/** The permission the approval page (approvals:grant) and watch_events (audit:read) check for the same records. */
function needs(principal: Principal, permission: 'approvals:grant' | 'audit:read', what: string): void {
  if (!principal.permissions.has(permission))
    throw new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what} holders of ${permission}, which ${principal.name} does not hold.`,
      { details: { required: permission } },
    );
}

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);

/** An approval request as the page shows it: its arguments through the one redaction path again. */
function approvalView(r: ApprovalRecord, now: number) {
  return {
    id: r.id,
    tool: r.tool,
    risk: r.risk,
    summary: r.summary,
    args: redactArgs(r.args),
    state: r.state === 'pending' && r.expiresAt <= now ? 'expired' : r.state,
    principal_id: r.principalId,
    principal_name: r.principalName,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    decided_at: iso(r.decidedAt),
    decided_by: r.decidedByName,
    decided_via: r.decidedVia,
    reason: r.reason,
  };
}

/** Pending approval requests, and the last decided ones (what the approval page lists). */
export function approvals(gateway: Gateway, principal: Principal) {
  needs(principal, 'approvals:grant', 'Approval requests are shown to');
  const now = Date.now();
  return {
    pending: gateway.approvals.store
      .list(['pending'])
      .filter((r) => r.expiresAt > now)
      .reverse()
      .map((r) => approvalView(r, now)),
    recent: gateway.approvals.store.list(['approved', 'denied', 'used'], 10).map((r) => approvalView(r, now)),
    allow_self: gateway.config.policy.allow_self_approval,
  };
}

export interface AuditQuery {
  principal?: string;
  tool?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

const SHOWN = 200;

function matches(q: AuditQuery, s: AuditSummary): boolean {
  const has = (value: string | undefined, part: string | undefined) =>
    !part || (value ?? '').toLowerCase().includes(part.toLowerCase());
  const outcome = s.outcome ?? s.decision ?? '';
  return (
    has(s.principal, q.principal) && has(s.tool ?? s.uri, q.tool) && (!q.outcome || outcome === q.outcome)
  );
}

/**
 * Audit records of a range that match the filters, newest first (the last 200 of the range). The
 * log is read from the range's start by bisection and scanned for at most 16 MiB.
 */
export async function auditSearch(gateway: Gateway, principal: Principal, q: AuditQuery) {
  needs(principal, 'audit:read', 'The audit log is shown to');
  const { from, to } = parseRange(q, { now: new Date(), defaultFrom: '24h' });
  const kept: AuditSummary[] = [];
  let matched = 0;
  const scan = await auditRecordsBetween(auditPath(gateway.config), from.getTime(), to.getTime(), 1, {
    details: true,
    keep: (s) => {
      if (!matches(q, s)) return false;
      matched += 1;
      kept.push({ ...s, ...(s.args !== undefined ? { args: redactArgs(s.args) } : {}) });
      if (kept.length > SHOWN) kept.shift();
      return false; // kept here, so the scan goes on to the end of the range
    },
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    matched,
    records: kept.reverse(),
    truncated: matched > SHOWN || scan.truncated,
    chain: await chainStatus(gateway),
  };
}

let lastCheck: { at: number; report: Promise<VerifyReport & { checked_at: string }> } | undefined;
const CHECK_EVERY_MS = 60_000;

/** The audit chain's state (`tailwarden audit verify`), checked at most once a minute for every viewer. */
export function chainStatus(gateway: Gateway): Promise<VerifyReport & { checked_at: string }> {
  const now = Date.now();
  if (!lastCheck || now - lastCheck.at > CHECK_EVERY_MS) {
    const path = auditPath(gateway.config);
    const report = gateway.audit
      .flush()
      .then(() => verifyAuditLog(path, { anchor: readAnchor(gateway.db, path) }))
      .then((r) => ({ ...r, checked_at: new Date().toISOString() }));
    lastCheck = { at: now, report };
  }
  return lastCheck.report;
}

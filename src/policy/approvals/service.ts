import { EventEmitter } from 'node:events';
import type { AuditLog } from '../../audit/log.ts';
import { redactArgs } from '../../audit/redact.ts';
import { principalSummary } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { StateDb } from '../../state/db.ts';
import type { GateOutcome, GateRequest } from '../gate.ts';
import { argsHash } from './canonical.ts';
import { type DecideInput, decideApproval } from './decide.ts';
import {
  APPROVAL_ID,
  bindingError,
  finalStateError,
  malformedId,
  pendingError,
  resultGone,
  stillRunning,
} from './messages.ts';
import { notifyApprovalRequested } from './notify.ts';
import { ApprovalResults } from './results.ts';
import { type ApprovalRecord, ApprovalStore } from './store.ts';
import { approvalUrl, describeForHuman, humanCopy, summarizeCall } from './summary.ts';

export interface ApprovalsDeps {
  config: Pick<Config, 'policy' | 'public_url' | 'listen'>;
  db: StateDb;
  audit: AuditLog;
  log: Logger;
  /** How often the database is checked for decisions made by other processes (the CLI). */
  pollMs?: number;
}

const PROGRESS_EVERY_MS = 5000;
/** Finished requests stay listable this long; the audit log keeps them for good. */
const KEEP_FINISHED_MS = 30 * 86_400_000;

/**
 * Where a call stands with its approval, as `step` answers it (never waiting):
 * - `run`: approved, and now used by this call — run it, then hand its result to `outcome.keepResult`;
 * - `pending`: not decided yet (`created` when this call has just asked for it);
 * - `replay`: the call already ran under this approval — `outcome.replay` is what it answered.
 * Denied, expired, foreign or malformed approvals, and a call still running, are thrown as GatewayErrors.
 */
export type ApprovalStep =
  | { kind: 'run'; outcome: GateOutcome }
  | { kind: 'pending'; record: ApprovalRecord; url: string; created: boolean }
  | { kind: 'replay'; outcome: GateOutcome };

/** What a client shows its user when it is asked to open the approval page. */
function approvalMessage(request: GateRequest): string {
  return `An approver must allow this before it runs:\n${describeForHuman(request.tool, request.args, request.principal)}\nOpen the approval page to review it.`;
}

/**
 * Out-of-band approvals: creates requests, announces them, answers where a call
 * stands (`step`, for every protocol era), lets an approved request be used once,
 * by the same principal, for the same tool and arguments, and keeps what that call
 * answered for a retry. The daemon is the only audit writer: decisions the CLI
 * stored are audited by the poll loop here.
 */
export class Approvals {
  readonly store: ApprovalStore;
  readonly results: ApprovalResults;
  private readonly deps: ApprovalsDeps;
  private readonly ticks = new EventEmitter();
  private readonly timer: NodeJS.Timeout;
  private auditQueue: Promise<void> = Promise.resolve();

  constructor(deps: ApprovalsDeps) {
    this.deps = deps;
    this.store = new ApprovalStore(deps.db);
    this.results = new ApprovalResults(deps.db);
    this.ticks.setMaxListeners(0);
    const tick = () =>
      this.tick().catch((err) => deps.log.warn({ err }, 'approvals: could not record a state change yet'));
    this.timer = setInterval(tick, deps.pollMs ?? 500);
    this.timer.unref();
    tick(); // audit what changed while the daemon was down (CLI decisions, expiry)
  }

  close(): void {
    clearInterval(this.timer);
    this.ticks.emit('tick');
  }

  /** Flush audit records for state changes, expire what is due, and wake waiting calls. */
  async tick(): Promise<void> {
    await this.serial(() => this.auditChanges());
    this.ticks.emit('tick');
  }

  /** A decision from this process (the page); audited before it returns. */
  async decide(input: DecideInput): Promise<ApprovalRecord> {
    const record = decideApproval(this.store, input);
    await this.tick();
    return record;
  }

  /**
   * Create-or-check, never wait: the one step both protocol eras build on. Without an approval id it
   * asks for an approval (stored, audited, announced) and answers `pending`; with one it checks that the
   * approval belongs to this very call and answers `pending`, `run` (using it up) or `replay`.
   */
  async step(request: GateRequest): Promise<ApprovalStep> {
    const { tool, principal } = request;
    const hash = argsHash(tool.name, request.args);
    const id = request.approvalId;
    if (id === undefined) return this.create(request, hash);
    if (!APPROVAL_ID.test(id)) throw malformedId(tool.name);
    const unbound = bindingError(this.store.get(id), id, tool.name, principal.id, hash);
    if (unbound) throw unbound;
    return this.serial(async () => {
      await this.auditChanges(); // a decision the CLI made, or an expiry, is recorded before it counts
      const record = this.store.get(id)!;
      if (record.state === 'pending')
        return { kind: 'pending', record, url: approvalUrl(this.deps.config, id), created: false };
      if (record.state === 'used') return this.kept(record);
      if (record.state !== 'approved') throw finalStateError(record, tool.name);
      if (request.signal.aborted)
        throw new GatewayError('ERR_TIMEOUT', 'The call was cancelled; the approval stays unused.');
      if (!this.store.consume(id)) {
        // Used by a racing call this instant (then it is running: say so), or expired just now.
        const now = this.store.get(id)!;
        if (now.state === 'used') return this.kept(now);
        throw finalStateError({ ...now, state: 'expired' }, tool.name);
      }
      const keepMs = this.deps.config.policy.approval_result_keep;
      this.results.begin(id, principal.id, keepMs);
      await this.appendAudit(record, 'approval.used', { call_id: request.callId }).catch((error: unknown) => {
        // Used up, yet not run: a retry is told so instead of "still running".
        const text = `[ERR_AUDIT_UNAVAILABLE] The approval ${id} was used, but its use could not be audited, so ${tool.name} was not run. Ask for a new approval once the audit log is writable.`;
        this.results.finish(id, { isError: true, content: [{ type: 'text', text }] }, keepMs);
        throw error;
      });
      this.store.markAudited(id, 'used');
      const outcome: GateOutcome = {
        approvalId: id,
        keepResult: (result) => {
          try {
            this.results.finish(id, result, keepMs);
          } catch (err) {
            this.deps.log.warn({ err, approval_id: id }, 'approvals: could not keep a result for a retry');
          }
        },
      };
      return { kind: 'run', outcome };
    });
  }

  /**
   * The `approve` rule. A 2026-07-28 call never waits: it asks the client (an input-required round with
   * the page's URL) to open the page and call again. A 2025-era client that sent a progress token waits,
   * with progress; any other answers at once with the pending approval id.
   */
  async approve(request: GateRequest): Promise<GateOutcome> {
    const rounds = request.channel.rounds;
    const presented = request.approvalId ?? rounds?.approvalId;
    let step = await this.step(presented ? { ...request, approvalId: presented } : request);
    if (step.kind !== 'pending') return step.outcome;
    const { record, url } = step;
    if (rounds) {
      if (step.created && request.channel.info.canElicitUrl)
        return rounds.askApproval(approvalMessage(request), url, record.id);
      throw pendingError(record, url);
    }
    if (step.created && request.channel.info.canElicitUrl) this.offerPage(request, record, url);
    const wait = this.deps.config.policy.approval_wait;
    // Without a progress token nothing tells the client to keep waiting: answer now, never past its timeout.
    if (!request.channel.info.canProgress || wait <= 0) throw pendingError(record, url);
    const deadline = Date.now() + wait;
    let lastProgress = 0;
    for (;;) {
      const now = Date.now();
      if (now >= deadline) throw pendingError(record, url);
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        await request.channel.progress({
          progress: Math.round((now - (deadline - wait)) / 1000),
          total: Math.round(wait / 1000),
          message: `Waiting for approval ${record.id}: ${url}`,
        });
      }
      await this.nextTick(request.signal, Math.min(deadline - now, PROGRESS_EVERY_MS));
      step = await this.step({ ...request, approvalId: record.id });
      if (step.kind !== 'pending') return step.outcome;
    }
  }

  private async create(request: GateRequest, hash: string): Promise<ApprovalStep> {
    const { tool, principal } = request;
    const args = humanCopy(tool, request.args); // refuses what a person could not be shown in full
    const record = this.store.create({
      principalId: principal.id,
      principalName: principal.name,
      tool: tool.name,
      risk: tool.risk,
      args,
      argsHash: hash,
      summary: summarizeCall(tool, request.args),
      ttlMs: this.deps.config.policy.approval_ttl,
    });
    await this.serial(async () => {
      await this.appendAudit(record, 'approval.created', {
        call_id: request.callId,
        principal: principalSummary(principal),
        risk: record.risk,
        args: redactArgs(request.args, tool.sensitive),
        args_hash: record.argsHash,
        summary: record.summary,
        expires_at: new Date(record.expiresAt).toISOString(),
      }).catch((error: unknown) => {
        this.store.remove(record.id);
        throw error;
      });
    });
    const url = approvalUrl(this.deps.config, record.id);
    const results = await notifyApprovalRequested(record, url, this.deps.config, this.deps.log);
    await this.serial(() =>
      this.appendAudit(record, 'approval.notified', {
        channels: results,
        url_elicitation: request.channel.info.canElicitUrl,
      }),
    );
    return { kind: 'pending', record, url, created: true };
  }

  /** A used approval: the result its call left, or why there is none. */
  private kept(record: ApprovalRecord): ApprovalStep {
    const kept = this.results.get(record.id, record.principalId);
    if (!kept) throw resultGone(record);
    if (kept.state === 'running') throw stillRunning(record, kept.startedAt);
    return { kind: 'replay', outcome: { approvalId: record.id, replay: kept.result } };
  }

  /** Offer the page through URL elicitation; not awaited: the call waits for the decision, not the prompt. */
  private offerPage(request: GateRequest, record: ApprovalRecord, url: string): void {
    request.channel
      .elicitUrl(approvalMessage(request), url, record.id)
      .catch((err) => this.deps.log.debug({ err, approval_id: record.id }, 'URL elicitation failed'));
  }

  private nextTick(signal: AbortSignal, maxMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.ticks.off('tick', onTick);
        signal.removeEventListener('abort', aborted);
      };
      const aborted = () => {
        done();
        reject(
          signal.reason instanceof GatewayError
            ? signal.reason
            : new GatewayError(
                'ERR_TIMEOUT',
                'The call was cancelled while waiting for approval; the approval request stays open.',
              ),
        );
      };
      const timer = setTimeout(
        () => {
          done();
          resolve();
        },
        Math.max(0, maxMs),
      );
      const onTick = () => {
        done();
        resolve();
      };
      this.ticks.on('tick', onTick);
      if (signal.aborted) aborted();
      else signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Expire what is due, then write one audit record per state change not yet audited. */
  private async auditChanges(): Promise<void> {
    this.store.expireDue();
    for (const record of this.store.unaudited()) {
      const audited = this.store.auditedState(record.id);
      if (audited === 'pending' && record.decidedAt !== null) {
        await this.appendAudit(record, record.state === 'denied' ? 'approval.denied' : 'approval.approved', {
          by: { id: record.decidedById, name: record.decidedByName, via: record.decidedVia },
          ...(record.reason ? { reason: record.reason } : {}),
        });
      }
      if (record.state === 'expired' || record.state === 'used') {
        await this.appendAudit(record, `approval.${record.state}`, {});
      }
      this.store.markAudited(record.id, record.state);
    }
    this.store.prune(Date.now() - KEEP_FINISHED_MS);
    this.results.prune();
  }

  private appendAudit(record: ApprovalRecord, event: string, fields: Record<string, unknown>) {
    return this.deps.audit.append(
      { event, approval_id: record.id, tool: record.tool, ...fields },
      { durable: true },
    );
  }

  /** Audit writes for approvals happen one at a time, so no state change is recorded twice. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.auditQueue.then(work, work);
    this.auditQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

import { EventEmitter } from 'node:events';
import type { AuditLog } from '../../audit/log.ts';
import { principalSummary } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { StateDb } from '../../state/db.ts';
import type { GateRequest } from '../gate.ts';
import { argsHash } from './canonical.ts';
import { type DecideInput, decideApproval } from './decide.ts';
import { notifyApprovalRequested } from './notify.ts';
import { type ApprovalRecord, ApprovalStore } from './store.ts';
import { approvalUrl, describeForHuman, displayArgs, summarizeCall } from './summary.ts';

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
 * Out-of-band approvals: creates requests, announces them, waits for a decision
 * (made here through the page, or in the database by the CLI), and lets an
 * approved request be used once, by the same principal, for the same tool and
 * arguments. The daemon is the only audit writer: decisions the CLI stored are
 * audited by the poll loop here.
 */
export class Approvals {
  readonly store: ApprovalStore;
  private readonly deps: ApprovalsDeps;
  private readonly ticks = new EventEmitter();
  private readonly timer: NodeJS.Timeout;
  private auditQueue: Promise<void> = Promise.resolve();

  constructor(deps: ApprovalsDeps) {
    this.deps = deps;
    this.store = new ApprovalStore(deps.db);
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

  /** The `approve` rule: use the presented approval, or request one and wait for it. */
  async approve(request: GateRequest): Promise<void> {
    const hash = argsHash(request.tool.name, request.args);
    // A 2026-07-28 call never waits: it asks the client to open the page and call again.
    const rounds = request.channel.rounds;
    const presented = request.approvalId ?? rounds?.approvalId;
    if (presented) {
      const record = this.store.get(presented);
      this.checkBinding(record, { ...request, approvalId: presented }, hash);
      return rounds ? this.useWithoutWaiting(record!, request) : this.awaitAndUse(record!, request);
    }
    const record = this.store.create({
      principalId: request.principal.id,
      principalName: request.principal.name,
      tool: request.tool.name,
      risk: request.tool.risk,
      args: displayArgs(request.tool, request.args),
      argsHash: hash,
      summary: summarizeCall(request.tool, request.args),
      ttlMs: this.deps.config.policy.approval_ttl,
    });
    await this.serial(async () => {
      await this.appendAudit(record, 'approval.created', {
        call_id: request.callId,
        principal: principalSummary(request.principal),
        risk: record.risk,
        args: record.args,
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
    const offerUrl = request.channel.info.canElicitUrl;
    await this.serial(() =>
      this.appendAudit(record, 'approval.notified', { channels: results, url_elicitation: offerUrl }),
    );
    const message = `An approver must allow this before it runs:\n${describeForHuman(request.tool, request.args, request.principal)}\nOpen the approval page to review it.`;
    if (rounds) {
      if (offerUrl) return rounds.askApproval(message, url, record.id);
      throw this.pendingError(record, request);
    }
    if (offerUrl) {
      // Not awaited: the call waits for the decision, not for the client's answer to the prompt.
      request.channel
        .elicitUrl(message, url, record.id)
        .catch((err) => this.deps.log.debug({ err, approval_id: record.id }, 'URL elicitation failed'));
    }
    return this.awaitAndUse(record, request);
  }

  private checkBinding(record: ApprovalRecord | undefined, request: GateRequest, hash: string): void {
    const id = request.approvalId;
    const fresh = `Call ${request.tool.name} without approval_id to request a new approval.`;
    const invalid = (message: string) => new GatewayError('ERR_APPROVAL_INVALID', `${message} ${fresh}`);
    if (!record) throw invalid(`There is no approval "${id}".`);
    if (record.principalId !== request.principal.id)
      throw invalid(`Approval ${id} was requested by another principal; only they can use it.`);
    if (record.tool !== request.tool.name)
      throw invalid(`Approval ${id} is for ${record.tool}, not ${request.tool.name}.`);
    if (record.argsHash !== hash) {
      throw invalid(
        `The arguments differ from the ones approval ${id} was requested for (an approval covers exactly one set of arguments: ${JSON.stringify(record.args)}).`,
      );
    }
  }

  private async awaitAndUse(record: ApprovalRecord, request: GateRequest): Promise<void> {
    const deadline = Date.now() + this.deps.config.policy.approval_wait;
    let lastProgress = 0;
    for (;;) {
      await this.serial(() => this.auditChanges());
      const current = this.store.get(record.id)!;
      if (current.state === 'approved') {
        if (await this.use(current, request)) return;
        continue; // expired or used by a racing call this instant: the next round says which
      }
      if (current.state !== 'pending') throw this.finalStateError(current, request);
      const now = Date.now();
      if (now >= deadline) throw this.pendingError(current, request);
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        const waited = Math.round((now - (deadline - this.deps.config.policy.approval_wait)) / 1000);
        await request.channel.progress({
          progress: waited,
          total: Math.round(this.deps.config.policy.approval_wait / 1000),
          message: `Waiting for approval ${current.id}: ${approvalUrl(this.deps.config, current.id)}`,
        });
      }
      await this.nextTick(request.signal, deadline - now);
    }
  }

  /** Run once if approved now; otherwise say where it stands (2026-07-28 calls never wait). */
  private async useWithoutWaiting(record: ApprovalRecord, request: GateRequest): Promise<void> {
    await this.serial(() => this.auditChanges());
    const current = this.store.get(record.id)!;
    if (current.state === 'approved' && (await this.use(current, request))) return;
    const now = this.store.get(record.id)!;
    throw now.state === 'pending' ? this.pendingError(now, request) : this.finalStateError(now, request);
  }

  /** Consume an approved request for this call; false when a racing call or expiry got there first. */
  private use(record: ApprovalRecord, request: GateRequest): Promise<boolean> {
    return this.serial(async () => {
      if (!this.store.consume(record.id)) return false;
      await this.appendAudit(record, 'approval.used', { call_id: request.callId });
      this.store.markAudited(record.id, 'used');
      return true;
    });
  }

  private finalStateError(record: ApprovalRecord, request: GateRequest): GatewayError {
    const fresh = `Call ${request.tool.name} without approval_id to request a new approval.`;
    switch (record.state) {
      case 'denied':
        return new GatewayError(
          'ERR_APPROVAL_DENIED',
          `Approval ${record.id} was denied by ${record.decidedByName ?? 'an approver'}${record.reason ? `: ${record.reason}` : ''}. It was not run.`,
        );
      case 'used':
        return new GatewayError(
          'ERR_APPROVAL_INVALID',
          `Approval ${record.id} has already been used (an approval runs one call only). ${fresh}`,
        );
      default:
        return new GatewayError(
          'ERR_APPROVAL_INVALID',
          `Approval ${record.id} expired at ${new Date(record.expiresAt).toISOString()} without being used. ${fresh}`,
        );
    }
  }

  private pendingError(record: ApprovalRecord, request: GateRequest): GatewayError {
    const url = approvalUrl(this.deps.config, record.id);
    return new GatewayError(
      'ERR_APPROVAL_PENDING',
      `${request.tool.name} needs an out-of-band approval and it has not been given yet (approval id ${record.id}: ${record.summary}). ` +
        `Ask a person with approvals:grant to approve it at ${url} or with \`tailwarden approvals approve ${record.id}\` on the gateway host. ` +
        `Then call ${request.tool.name} again with the same arguments plus "approval_id": "${record.id}"; it runs once approved. ` +
        `The request expires at ${new Date(record.expiresAt).toISOString()}.`,
      { details: { approval_id: record.id, url } },
    );
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

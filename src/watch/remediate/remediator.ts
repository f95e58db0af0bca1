import { redactArgs } from '../../audit/redact.ts';
import type { Logger } from '../../log.ts';
import type { GatewayLink } from '../../modules/types.ts';
import { cutText } from '../../util/bounded.ts';
import type { AlertChange, AlertEngine } from '../alerts/engine.ts';
import type { AlertRecord } from '../alerts/store.ts';
import type { Clock, Timer } from '../clock.ts';
import type { Remediation, RemediationConfig } from './config.ts';
import type { RemediationStep } from './step.ts';
import {
  REMEDIATION_PRINCIPAL_ID,
  remediationChannel,
  remediationPrincipal,
  verdictOf,
} from './system-call.ts';

interface Case {
  alert: AlertRecord;
  remediation: Remediation;
  args: Record<string, unknown>;
  /** Runs that reached the tool (or failed in it). */
  runs: number;
  approvalId?: string;
  approvalUrl?: string;
  timer?: Timer;
  busy?: Promise<void>;
  again?: boolean;
}

export interface RemediatorOptions {
  config: RemediationConfig;
  engine: AlertEngine;
  clock: Clock;
  log: Logger;
  /** How often a pending approval is looked at (the collection interval). */
  pollMs: number;
}

/** `{label}` in a string argument (or a named value of one) becomes the alert's label; one it lacks is an error. */
export function fillArgs(
  args: Record<string, unknown>,
  labels: Record<string, string>,
): Record<string, unknown> {
  const fill = (name: string, value: unknown): unknown => {
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(`${name}.${k}`, v)]));
    if (typeof value !== 'string') return value;
    return value.replace(/\{([a-z_][a-z0-9_]{0,39})\}/g, (_whole, label: string) => {
      const filled = labels[label];
      if (filled === undefined)
        throw new Error(
          `argument ${name} names {${label}}, but this alert has no such label (it has: ${Object.keys(labels).join(', ') || 'none'})`,
        );
      return filled;
    });
  };
  return Object.fromEntries(Object.entries(args).map(([name, value]) => [name, fill(name, value)]));
}

/**
 * Self-healing under policy. When an alert whose rule names a remediation fires, its tool
 * is called through the one call wrapper as the system principal (own permissions, the
 * same risk rules, an approval unless the tool is listed as unattended). While the alert
 * stays open it is tried again after a doubling wait, at most `attempts` runs; then the
 * alert is marked "could not recover" and nothing more is tried. Every call is audited by
 * the wrapper; every step goes into the alert's log and to the notification channels.
 * An acknowledged or silenced alert is left to the person who took it.
 */
export class Remediator {
  private readonly cases = new Map<string, Case>();
  private link: GatewayLink | undefined;
  private readonly stop = new AbortController();
  private readonly o: RemediatorOptions;

  constructor(options: RemediatorOptions) {
    this.o = options;
  }

  /** The call wrapper and the approvals, once the gateway has them. */
  connect(link: GatewayLink): void {
    this.link = link;
  }

  get active(): number {
    return this.cases.size;
  }

  /** Resolves when no remediation call is running (tests wait on this, not on time). */
  async settled(): Promise<void> {
    for (;;) {
      const busy = [...this.cases.values()].map((c) => c.busy).filter(Boolean);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  onChange(change: AlertChange): void {
    if (change.change === 'remediation') return;
    const open = this.cases.get(change.alert.id);
    if (change.change === 'resolved') {
      if (open)
        this.end(
          open,
          'recovered',
          open.runs > 0
            ? `recovered after ${open.runs} run(s) of ${open.remediation.tool}`
            : `the alert resolved before ${open.remediation.tool} ran`,
        );
      return;
    }
    if (change.change === 'acknowledged') {
      if (open)
        this.end(open, 'stopped', `stopped: ${change.by ?? 'someone'} acknowledged the alert and took over`);
      return;
    }
    // Only built-in and config rules: a rule made with a tool must not borrow the system principal.
    const origin = this.o.engine.rule(change.alert.rule)?.origin;
    const remediation = Object.hasOwn(this.o.config.actions, change.alert.rule)
      ? this.o.config.actions[change.alert.rule]
      : undefined;
    if (!remediation || origin === 'tool' || origin === undefined || !this.o.config.enabled || open) return;
    const skipped = change.silenced
      ? 'the alert is silenced'
      : !this.link
        ? 'the gateway is still starting'
        : this.cases.size >= this.o.config.max_active
          ? `${this.cases.size} remediations are running (watch.remediation.max_active)`
          : undefined;
    let args: Record<string, unknown> = {};
    let refused: string | undefined;
    try {
      args = fillArgs(remediation.args, change.alert.labels);
    } catch (error) {
      refused = (error as Error).message;
    }
    if (skipped || refused) {
      this.o.engine.noteRemediation(
        change.alert,
        {
          state: refused ? 'refused' : 'skipped',
          tool: remediation.tool,
          attempt: 0,
          attempts: remediation.attempts,
          message: `not remediated: ${refused ?? skipped}`,
        },
        REMEDIATION_PRINCIPAL_ID,
        this.o.clock.now(),
      );
      return;
    }
    const c: Case = { alert: change.alert, remediation, args, runs: 0 };
    this.cases.set(change.alert.id, c);
    this.run(c);
  }

  private run(c: Case): void {
    if (this.stop.signal.aborted) return;
    // A wait that ends while the previous step is still finishing runs right after it.
    if (c.busy) {
      c.again = true;
      return;
    }
    c.busy = this.attempt(c)
      .catch((err) => {
        this.o.log.error({ err, alert_id: c.alert.id }, 'remediation attempt failed');
        this.end(c, 'failed', `the remediation could not be run: ${(err as Error).message}`);
      })
      .finally(() => {
        c.busy = undefined;
        if (c.again && this.cases.get(c.alert.id) === c) {
          c.again = false;
          this.run(c);
        }
      });
  }

  private async attempt(c: Case): Promise<void> {
    const { remediation } = c;
    if (c.approvalId) {
      const state = this.link!.approvalState(c.approvalId);
      if (state === 'pending') return this.later(c, this.o.pollMs);
    } else if (c.runs >= remediation.attempts) {
      return this.end(
        c,
        'gave_up',
        `could not recover: ${remediation.tool} ran ${c.runs} time(s) and the alert is still open; not trying again`,
      );
    }
    const { channel, asked } = remediationChannel(c.approvalId);
    const result = await this.link!.caller.call({
      name: remediation.tool,
      args: c.args,
      principal: remediationPrincipal(this.o.config),
      sessionId: undefined,
      rpcId: `remediation:${c.alert.id}:${c.runs + 1}`,
      channel,
      signal: this.stop.signal,
    });
    if (!this.cases.has(c.alert.id)) return; // resolved or taken over while it ran
    const approval = asked();
    if (approval) {
      c.approvalId = approval.id;
      c.approvalUrl = approval.url;
      this.note(
        c,
        'approval_needed',
        `${remediation.tool} needs an approval before it runs: ${approval.url}`,
      );
      return this.later(c, this.o.pollMs);
    }
    const verdict = verdictOf(result);
    if (verdict.kind === 'pending') return this.later(c, this.o.pollMs);
    c.approvalId = undefined;
    c.approvalUrl = undefined;
    if (verdict.kind === 'refused')
      return this.end(c, 'refused', `refused, not trying again: ${cutText(verdict.text, 500)}`);
    c.runs++;
    const wait = Math.min(remediation.max_backoff, remediation.backoff * 2 ** (c.runs - 1));
    const what = `run ${c.runs} of ${remediation.attempts}: ${remediation.tool}`;
    this.note(
      c,
      verdict.kind,
      verdict.kind === 'ran'
        ? `${what} done; checking again in ${Math.round(wait / 1000)}s`
        : `${what} failed: ${cutText(verdict.text, 500)}`,
    );
    this.later(c, wait);
  }

  private later(c: Case, ms: number): void {
    if (c.timer) this.o.clock.clearTimeout(c.timer);
    c.timer = this.o.clock.setTimeout(() => {
      c.timer = undefined;
      if (this.cases.get(c.alert.id) === c) this.run(c);
    }, ms);
  }

  private note(c: Case, state: RemediationStep['state'], raw: string): void {
    // Tool results and errors end up in the alert's log and messages: the one redaction path first.
    const message = String(redactArgs(raw));
    this.o.engine.noteRemediation(
      c.alert,
      {
        state,
        tool: c.remediation.tool,
        attempt: c.runs,
        attempts: c.remediation.attempts,
        message,
        ...(c.approvalId ? { approval_id: c.approvalId } : {}),
        ...(c.approvalUrl ? { approval_url: c.approvalUrl } : {}),
      },
      REMEDIATION_PRINCIPAL_ID,
      this.o.clock.now(),
    );
  }

  private end(c: Case, state: RemediationStep['state'], message: string): void {
    if (c.timer) this.o.clock.clearTimeout(c.timer);
    this.cases.delete(c.alert.id);
    this.note(c, state, message);
  }

  close(): void {
    this.stop.abort();
    for (const c of this.cases.values()) if (c.timer) this.o.clock.clearTimeout(c.timer);
    this.cases.clear();
  }
}

import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { WatchConfig } from '../config.ts';
import { globMatch, labelKey, labelsMatch } from '../match.ts';
import type { RemediationStep } from '../remediate/step.ts';
import type { Retention } from '../retention.ts';
import type { Snapshot } from '../snapshot.ts';
import type { HistoryStore } from '../store.ts';
import { type EvaluationView, evaluateRule, holdFor } from './evaluate.ts';
import type { Rule } from './rule-schema.ts';
import { checkRuleChange, loadRuleSet, type RuleOrigin } from './rule-set.ts';

export type { RuleOrigin } from './rule-set.ts';

import type { AlertChangeKind, AlertRecord, AlertStore, Silence } from './store.ts';

export interface AlertChange {
  change: AlertChangeKind;
  alert: AlertRecord;
  /** Who acknowledged (principal summary); undefined for changes the rules made. */
  by?: string;
  at: number;
  silenced: boolean;
  /** For `remediation` changes: what was done or decided. */
  remediation?: RemediationStep;
}

interface Tracked {
  state: 'pending' | 'open';
  since: number;
  clearSince?: number;
  alert?: AlertRecord;
}

export interface EngineOptions {
  alerts: AlertStore;
  history: HistoryStore;
  snapshot: Snapshot;
  config: WatchConfig;
  retention: Retention;
  log: Logger;
}

/**
 * The alert life cycle. A rule's condition must hold for its `for` before an alert
 * fires; a firing alert resolves only after the value is back past the rule's clear
 * level for as long again (at least two collections), so a flapping value stays one
 * alert. One open alert per rule and instance (deduplication); every change is logged,
 * kept, and told to the listeners (notifications, resource subscribers, and later
 * remediation).
 */
export class AlertEngine {
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<(change: AlertChange) => void>();
  private readonly forecasts: EvaluationView['forecasts'] = new Map();
  private ruleSet: { rule: Rule; origin: RuleOrigin }[] = [];
  private readonly o: EngineOptions;

  constructor(options: EngineOptions) {
    this.o = options;
    this.ruleSet = this.loadRules();
    for (const alert of options.alerts.open())
      this.tracked.set(`${alert.rule} ${alert.key}`, { state: 'open', since: alert.startedAt, alert });
  }

  private loadRules(): { rule: Rule; origin: RuleOrigin }[] {
    return loadRuleSet(this.o.config, this.o.alerts, this.o.log);
  }

  rules(): readonly { rule: Rule; origin: RuleOrigin }[] {
    return this.ruleSet;
  }

  rule(name: string): { rule: Rule; origin: RuleOrigin } | undefined {
    return this.ruleSet.find((r) => r.rule.name === name);
  }

  /** Endpoints of the enabled tls_expiry rules (the TLS source checks these). */
  tlsEndpoints(): string[] {
    const out = new Set<string>();
    for (const { rule } of this.ruleSet)
      if (rule.kind === 'tls_expiry' && rule.enabled) for (const e of rule.endpoints) out.add(e);
    return [...out].slice(0, 200);
  }

  /** Save a rule made by a tool (create, or update one that a tool made). */
  saveRule(input: unknown, by: string, now: number, mode: 'create' | 'update'): Rule {
    const rule = checkRuleChange(
      input,
      this.rule.bind(this),
      mode,
      this.ruleSet.length,
      this.o.config.max_rules,
    );
    this.o.alerts.saveRule(rule.name, input, by, now);
    this.ruleSet = this.loadRules();
    this.forgetRule(rule.name, now);
    return rule;
  }

  deleteRule(name: string, now: number): void {
    const existing = this.rule(name);
    if (!existing)
      throw new GatewayError('ERR_NOT_FOUND', `No rule named "${name}". List them with watch_rules_list.`);
    if (existing.origin !== 'tool')
      throw new GatewayError(
        'ERR_CONFLICT',
        `"${name}" is a ${existing.origin} rule; remove it from the config file instead.`,
      );
    this.o.alerts.deleteRule(name);
    this.ruleSet = this.loadRules();
    this.forgetRule(name, now);
  }

  /** A changed or deleted rule's open alerts resolve (they may fire again under the new rule). */
  private forgetRule(name: string, now: number): void {
    for (const [id, t] of this.tracked) {
      if (!id.startsWith(`${name} `)) continue;
      if (t.alert) this.resolve(t.alert, now, 'rule changed');
      this.tracked.delete(id);
    }
    this.forecasts.delete(name);
  }

  onChange(listener: (change: AlertChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Record a remediation step in the alert's log and tell the listeners (notifications). */
  noteRemediation(alert: AlertRecord, step: RemediationStep, by: string, now: number): void {
    this.o.alerts.log(alert.id, 'remediation', by, { ...step }, now);
    const log = step.state === 'gave_up' || step.state === 'refused' ? 'warn' : 'info';
    this.o.log[log]({ alert_id: alert.id, rule: alert.rule, ...step }, `remediation: ${step.message}`);
    this.emit('remediation', this.o.alerts.get(alert.id) ?? alert, now, by, step);
  }

  private emit(
    change: AlertChangeKind,
    alert: AlertRecord,
    at: number,
    by?: string,
    remediation?: RemediationStep,
  ): void {
    const event: AlertChange = {
      change,
      alert,
      at,
      silenced: this.isSilenced(alert, at),
      ...(by ? { by } : {}),
      ...(remediation ? { remediation } : {}),
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.o.log.error({ err }, 'an alert listener failed');
      }
    }
  }

  /** Evaluate every enabled rule against what the collector knows now. */
  evaluate(now: number, intervalMs: number): void {
    const view: EvaluationView = {
      now,
      intervalMs,
      snapshot: this.o.snapshot,
      store: this.o.history,
      retention: this.o.retention,
      forecasts: this.forecasts,
    };
    const seen = new Set<string>();
    for (const { rule } of this.ruleSet) {
      if (!rule.enabled) continue;
      let instances: ReturnType<typeof evaluateRule>;
      try {
        instances = evaluateRule(rule, view).slice(0, 1000);
      } catch (err) {
        this.o.log.warn({ err, rule: rule.name }, 'alert rule could not be evaluated');
        for (const id of this.tracked.keys()) if (id.startsWith(`${rule.name} `)) seen.add(id);
        continue;
      }
      const resolveAfter = Math.max(2 * intervalMs, holdFor(rule));
      for (const instance of instances) {
        const key = labelKey(instance.labels);
        const id = `${rule.name} ${key}`;
        seen.add(id);
        const t = this.tracked.get(id);
        if (instance.active) {
          if (!t) {
            this.tracked.set(id, { state: 'pending', since: now });
            if (holdFor(rule) === 0) this.fire(rule, key, instance, id, now);
          } else if (t.state === 'pending') {
            if (now - t.since >= holdFor(rule)) this.fire(rule, key, instance, id, now);
          } else {
            t.clearSince = undefined;
            if (t.alert)
              this.o.alerts.update(
                t.alert.id,
                { summary: instance.summary, value: instance.value ?? null },
                now,
              );
          }
        } else if (t?.state === 'pending') {
          this.tracked.delete(id);
        } else if (t?.state === 'open') {
          if (!instance.clear) t.clearSince = undefined;
          else {
            t.clearSince ??= now;
            if (now - t.clearSince >= resolveAfter && t.alert) {
              this.resolve(t.alert, now, instance.summary);
              this.tracked.delete(id);
            }
          }
        }
      }
    }
    // What no rule reports any more (a removed container, a deleted rule) is over.
    for (const [id, t] of this.tracked) {
      if (seen.has(id)) continue;
      if (t.state === 'pending') this.tracked.delete(id);
      else {
        t.clearSince ??= now;
        if (now - t.clearSince >= 2 * intervalMs) {
          if (t.alert) this.resolve(t.alert, now, 'no longer reported');
          this.tracked.delete(id);
        }
      }
    }
  }

  private fire(
    rule: Rule,
    key: string,
    instance: ReturnType<typeof evaluateRule>[number],
    id: string,
    now: number,
  ) {
    const alert = this.o.alerts.create(
      {
        rule: rule.name,
        kind: rule.kind,
        severity: rule.severity,
        area: instance.area,
        key,
        labels: instance.labels,
        status: 'firing',
        summary: instance.summary,
        value: instance.value ?? null,
        startedAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
        ackComment: null,
        resolvedAt: null,
      },
      now,
    );
    this.o.alerts.log(
      alert.id,
      'firing',
      null,
      { summary: instance.summary, value: instance.value ?? null },
      now,
    );
    this.tracked.set(id, { state: 'open', since: now, alert });
    this.o.log.warn(
      { alert_id: alert.id, rule: rule.name, labels: instance.labels },
      `alert firing: ${instance.summary}`,
    );
    this.emit('firing', alert, now);
  }

  private resolve(alert: AlertRecord, now: number, summary: string): void {
    this.o.alerts.resolve(alert.id, now);
    this.o.alerts.log(alert.id, 'resolved', null, { summary }, now);
    this.o.log.info({ alert_id: alert.id, rule: alert.rule }, `alert resolved: ${alert.summary}`);
    this.emit('resolved', { ...alert, status: 'resolved', resolvedAt: now }, now);
  }

  acknowledge(alertId: string, by: string, comment: string | null, now: number): AlertRecord {
    const alert = this.o.alerts.get(alertId);
    if (!alert)
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No alert "${alertId}". List open ones with watch_alerts_list.`,
      );
    if (alert.status === 'resolved')
      throw new GatewayError(
        'ERR_CONFLICT',
        `Alert ${alertId} is already resolved (${new Date(alert.resolvedAt ?? now).toISOString()}).`,
      );
    if (alert.status === 'acknowledged')
      throw new GatewayError(
        'ERR_CONFLICT',
        `Alert ${alertId} was already acknowledged by ${alert.acknowledgedBy}.`,
      );
    this.o.alerts.acknowledge(alertId, by, comment, now);
    this.o.alerts.log(alertId, 'acknowledged', by, comment ? { comment } : {}, now);
    const updated = this.o.alerts.get(alertId)!;
    for (const t of this.tracked.values()) if (t.alert?.id === alertId) t.alert = updated;
    this.emit('acknowledged', updated, now, by);
    return updated;
  }

  addSilence(
    input: { rule: string; match: Record<string, string>; endsAt: number; by: string; reason: string },
    now: number,
  ): Silence {
    if (input.endsAt <= now)
      throw new GatewayError('ERR_INPUT_REJECTED', 'A silence must end in the future; give a later until.');
    if (this.o.alerts.silences(now).length >= 200)
      throw new GatewayError(
        'ERR_CONFLICT',
        'There are 200 active silences; remove some first (watch_silence_remove).',
      );
    const silence: Silence = {
      id: randomUUID(),
      rule: input.rule,
      match: input.match,
      endsAt: input.endsAt,
      createdAt: now,
      createdBy: input.by,
      reason: input.reason,
    };
    this.o.alerts.addSilence(silence);
    return silence;
  }

  isSilenced(alert: Pick<AlertRecord, 'rule' | 'labels'>, now: number): boolean {
    return this.o.alerts
      .silences(now)
      .some((s) => globMatch(s.rule, alert.rule) && labelsMatch(alert.labels, s.match));
  }

  prune(now: number): void {
    this.o.alerts.prune(now - this.o.config.alert_history);
  }
}

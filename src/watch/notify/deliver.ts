import { hostname } from 'node:os';
import { redactArgs } from '../../audit/redact.ts';
import type { Logger } from '../../log.ts';
import {
  type Channel,
  describeFailure,
  hostOf,
  sendGotify,
  sendNtfy,
  sendWebhook,
} from '../../notify/channels.ts';
import type { AlertChange } from '../alerts/engine.ts';
import type { AlertStore } from '../alerts/store.ts';
import type { Clock } from '../clock.ts';
import type { WatchConfig } from '../config.ts';

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;
const MAX_BACKOFF_MS = 10 * 60_000;
const CONCURRENCY = 4;

interface Job {
  deliveryId: number;
  channel: Channel;
  target: string;
  send: () => Promise<void>;
  attempts: number;
}

/** The words of a message: the alert's own text, with anything secret-looking masked. */
function messageOf(change: AlertChange) {
  const { alert } = change;
  const labels = redactArgs(alert.labels) as Record<string, string>;
  const summary = String(redactArgs(alert.summary));
  const where = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const step = change.remediation;
  const banner =
    step?.state === 'gave_up' ? 'COULD NOT RECOVER' : step ? `REMEDIATION ${step.state.toUpperCase()}` : '';
  const title = `[${banner || change.change.toUpperCase()}] ${alert.rule}${where ? ` (${where})` : ''} on ${hostname()}`;
  const lines = step ? [String(redactArgs(step.message)), summary] : [summary];
  if (step?.approval_url)
    lines.push(
      `Approve or deny: ${step.approval_url} (or \`tailwarden approvals approve ${step.approval_id}\`).`,
    );
  if (change.change === 'acknowledged')
    lines.push(`Acknowledged by ${change.by ?? alert.acknowledgedBy ?? 'someone'}.`);
  if (change.change === 'resolved') lines.push(`Resolved at ${new Date(change.at).toISOString()}.`);
  lines.push(
    `Alert ${alert.id} · severity ${alert.severity} · since ${new Date(alert.startedAt).toISOString()}`,
  );
  return { labels, summary, title, body: lines.join('\n'), step };
}

/**
 * Sends alert state changes to the configured channels: one message per change and
 * channel, each delivery retried with exponential backoff and its outcome recorded.
 * Silenced alerts, severities below the minimum and anything past the hourly budget are
 * recorded as suppressed instead of sent, so a storm of changes never becomes a storm
 * of messages.
 */
export class Notifier {
  private queue: Job[] = [];
  private active = 0;
  private readonly sentAt: number[] = [];
  private readonly timers = new Set<ReturnType<Clock['setTimeout']>>();
  private closed = false;
  private readonly o: { config: WatchConfig['notify']; alerts: AlertStore; clock: Clock; log: Logger };

  constructor(options: { config: WatchConfig['notify']; alerts: AlertStore; clock: Clock; log: Logger }) {
    this.o = options;
  }

  get channels(): { channel: Channel; target: string }[] {
    const { config } = this.o;
    return [
      ...config.webhooks.map((url) => ({ channel: 'webhook' as const, target: hostOf(url) })),
      ...(config.ntfy ? [{ channel: 'ntfy' as const, target: hostOf(config.ntfy) }] : []),
      ...(config.gotify && config.gotify_token
        ? [{ channel: 'gotify' as const, target: hostOf(config.gotify) }]
        : []),
    ];
  }

  get pending(): number {
    return this.queue.length + this.active;
  }

  /** Called for every alert state change. */
  notify(change: AlertChange): void {
    const { config, alerts, clock } = this.o;
    const now = clock.now();
    const record = (channel: string, target: string, status: string, error: string | null) =>
      alerts.recordDelivery({
        alertId: change.alert.id,
        change: change.change,
        channel,
        target,
        status,
        attempts: 0,
        error,
        now,
      });
    if (!config.on.includes(change.change)) return;
    if (SEVERITY_RANK[change.alert.severity] < SEVERITY_RANK[config.min_severity]) return;
    if (this.channels.length === 0) return;
    if (change.silenced) {
      record('all', '-', 'suppressed', 'silenced');
      return;
    }
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - 3_600_000) this.sentAt.shift();
    if (this.sentAt.length >= config.max_per_hour) {
      record(
        'all',
        '-',
        'suppressed',
        `more than ${config.max_per_hour} messages this hour (watch.notify.max_per_hour)`,
      );
      this.o.log.warn({ alert_id: change.alert.id }, 'alert notification suppressed: hourly budget used up');
      return;
    }
    this.sentAt.push(now);
    const message = messageOf(change);
    const payload = {
      type: `alert.${change.change}`,
      id: change.alert.id,
      rule: change.alert.rule,
      kind: change.alert.kind,
      severity: change.alert.severity,
      status: change.alert.status,
      summary: message.summary,
      labels: message.labels,
      host: hostname(),
      started_at: new Date(change.alert.startedAt).toISOString(),
      changed_at: new Date(change.at).toISOString(),
      ...(change.change === 'acknowledged'
        ? { acknowledged_by: change.by ?? change.alert.acknowledgedBy }
        : {}),
      ...(change.alert.resolvedAt ? { resolved_at: new Date(change.alert.resolvedAt).toISOString() } : {}),
      ...(message.step
        ? { remediation: { ...message.step, message: String(redactArgs(message.step.message)) } }
        : {}),
    };
    const quiet =
      change.change === 'resolved' ||
      (message.step !== undefined && !['gave_up', 'refused', 'approval_needed'].includes(message.step.state));
    const priority = quiet ? 'low' : change.alert.severity === 'critical' ? 'urgent' : 'high';
    const approvalUrl = message.step?.approval_url;
    const jobs: Omit<Job, 'deliveryId' | 'attempts'>[] = [
      ...config.webhooks.map((url) => ({
        channel: 'webhook' as const,
        target: hostOf(url),
        send: () => sendWebhook(url, payload, config.timeout),
      })),
      ...(config.ntfy
        ? [
            {
              channel: 'ntfy' as const,
              target: hostOf(config.ntfy),
              send: () =>
                sendNtfy(
                  config.ntfy!,
                  {
                    title: message.title,
                    body: message.body,
                    priority,
                    tags: change.change === 'resolved' ? 'white_check_mark' : 'rotating_light',
                    ...(approvalUrl
                      ? { click: approvalUrl, actions: `view, Review and decide, ${approvalUrl}` }
                      : {}),
                  },
                  config.ntfy_token,
                  config.timeout,
                ),
            },
          ]
        : []),
      ...(config.gotify && config.gotify_token
        ? [
            {
              channel: 'gotify' as const,
              target: hostOf(config.gotify),
              send: () =>
                sendGotify(
                  config.gotify!,
                  config.gotify_token!,
                  {
                    title: message.title,
                    message: message.body,
                    priority: quiet ? 2 : change.alert.severity === 'critical' ? 8 : 5,
                  },
                  config.timeout,
                ),
            },
          ]
        : []),
    ];
    for (const job of jobs) {
      const deliveryId = record(job.channel, job.target, 'pending', null);
      this.enqueue({ ...job, deliveryId, attempts: 0 });
    }
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    this.queue.push(job);
    while (this.queue.length > this.o.config.queue_size) {
      const dropped = this.queue.shift()!;
      this.o.alerts.updateDelivery(
        dropped.deliveryId,
        'dropped',
        dropped.attempts,
        'queue full',
        this.o.clock.now(),
      );
    }
    this.pump();
  }

  private pump(): void {
    while (this.active < CONCURRENCY && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active++;
      void this.attempt(job).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async attempt(job: Job): Promise<void> {
    const { clock, config, log } = this.o;
    // After close the database may be gone: outcomes are then only logged.
    const alerts = {
      updateDelivery: (...args: Parameters<AlertStore['updateDelivery']>) => {
        if (!this.closed) this.o.alerts.updateDelivery(...args);
      },
    };
    job.attempts++;
    try {
      await job.send();
      alerts.updateDelivery(job.deliveryId, 'sent', job.attempts, null, clock.now());
    } catch (error) {
      const reason = describeFailure(error);
      if (job.attempts >= config.attempts || this.closed) {
        alerts.updateDelivery(job.deliveryId, 'failed', job.attempts, reason, clock.now());
        log.warn(
          { channel: job.channel, target: job.target, attempts: job.attempts, error: reason },
          'alert notification failed',
        );
        return;
      }
      alerts.updateDelivery(job.deliveryId, 'retrying', job.attempts, reason, clock.now());
      const wait = Math.min(MAX_BACKOFF_MS, config.backoff * 2 ** (job.attempts - 1));
      const timer = clock.setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(job);
      }, wait);
      this.timers.add(timer);
    }
  }

  /** Wait until nothing is being sent (retries waiting on the clock are not waited for). */
  async idle(): Promise<void> {
    while (this.active > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** Stop retrying; deliveries in flight finish (each within watch.notify.timeout). */
  async close(): Promise<void> {
    for (const timer of this.timers) this.o.clock.clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
    await this.idle();
    this.closed = true;
  }
}

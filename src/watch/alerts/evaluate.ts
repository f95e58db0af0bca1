import { type DiskForecast, diskForecast } from '../forecast.ts';
import { globMatch, labelsMatch } from '../match.ts';
import type { Retention } from '../retention.ts';
import { type Area, SERIES } from '../series.ts';
import type { Snapshot } from '../snapshot.ts';
import type { HistoryStore } from '../store.ts';
import type { Rule } from './rule-schema.ts';

/** One thing a rule looks at now (a disk, a container, a unit…) and how it stands. */
export interface Instance {
  labels: Record<string, string>;
  area: Area;
  /** The condition holds now. */
  active: boolean;
  /** It is safely back to normal (past the hysteresis band): a firing alert may resolve. */
  clear: boolean;
  value?: number;
  summary: string;
}

export interface EvaluationView {
  now: number;
  intervalMs: number;
  snapshot: Snapshot;
  store: HistoryStore;
  retention: Retention;
  /** Forecasts are fitted at most every 15 minutes per rule. */
  forecasts: Map<string, { at: number; result: DiskForecast[] }>;
}

const round = (v: number) => Math.round(v * 10) / 10;

function threshold(rule: Extract<Rule, { kind: 'threshold' }>, view: EvaluationView): Instance[] {
  const info = SERIES[rule.series];
  const above = rule.above !== undefined;
  const limit = (rule.above ?? rule.below)!;
  const clear = rule.clear ?? (above ? limit - Math.abs(limit) * 0.05 : limit + Math.abs(limit) * 0.05);
  return view.snapshot
    .values(rule.series, view.now - 3 * view.intervalMs)
    .filter((v) => labelsMatch(v.labels, rule.match))
    .map((v) => {
      const what = Object.values(v.labels).join(' ');
      return {
        labels: v.labels,
        area: info.area,
        active: above ? v.value > limit : v.value < limit,
        clear: above ? v.value <= clear : v.value >= clear,
        value: v.value,
        summary: `${rule.series}${what ? ` ${what}` : ''} is ${round(v.value)}${info.unit === '%' ? ' %' : ''} (${above ? 'above' : 'below'} ${limit})`,
      };
    });
}

function forecast(rule: Extract<Rule, { kind: 'disk_forecast' }>, view: EvaluationView): Instance[] {
  let cached = view.forecasts.get(rule.name);
  if (!cached || view.now - cached.at > 15 * 60_000) {
    cached = {
      at: view.now,
      result: diskForecast(view.store, {
        nowMs: view.now,
        lookbackMs: rule.lookback,
        retention: view.retention,
      }),
    };
    view.forecasts.set(rule.name, cached);
  }
  const withinDays = rule.within / 86_400_000;
  return cached.result
    .filter((f) => globMatch(rule.mounts, f.mount))
    .map((f) => ({
      labels: { mount: f.mount },
      area: 'system' as const,
      active: f.days_left !== null && f.days_left <= withinDays,
      clear: f.days_left === null || f.days_left > withinDays * 1.5,
      value: f.days_left ?? undefined,
      summary:
        f.days_left === null
          ? `${f.mount} is not growing (${f.used_percent} % used)`
          : `${f.mount} will be full in ${f.days_left} days at the trend of the last ${Math.round(rule.lookback / 3_600_000)}h (${f.used_percent} % used)`,
    }));
}

function facts(view: EvaluationView, kind: string, pattern: string) {
  return [...view.snapshot.factsOf(kind)].filter(([key]) => globMatch(pattern, key));
}

function countEvents(view: EvaluationView, kind: string, subject: string, sinceMs: number): number {
  return view.snapshot.eventsSince(kind, sinceMs).filter((e) => e.subject === subject).length;
}

/** Where each kind of rule looks, and what counts as "active" and "clear" there. */
export function evaluateRule(rule: Rule, view: EvaluationView): Instance[] {
  switch (rule.kind) {
    case 'threshold':
      return threshold(rule, view);
    case 'disk_forecast':
      return forecast(rule, view);
    case 'unit_failed':
      return facts(view, 'unit', rule.units).map(([unit, f]) => {
        const failed = f.active === 'failed';
        return {
          labels: { unit },
          area: 'system',
          active: failed,
          clear: !failed,
          summary: `Unit ${unit} ${failed ? `failed (${f.result || 'failed'})` : `is ${f.active}`}`,
        };
      });
    case 'unit_restart_loop': {
      const since = view.now - rule.window;
      const counts = new Map<string, number>();
      for (const e of view.snapshot.eventsSince('unit.restart', since))
        counts.set(
          e.subject,
          (counts.get(e.subject) ?? 0) + (typeof e.detail.count === 'number' ? e.detail.count : 1),
        );
      return facts(view, 'unit', rule.units).map(([unit]) => {
        const n = counts.get(unit) ?? 0;
        return {
          labels: { unit },
          area: 'system',
          active: n >= rule.restarts,
          clear: n === 0,
          value: n,
          summary: `Unit ${unit} restarted ${n} times in ${Math.round(rule.window / 60_000)}m`,
        };
      });
    }
    case 'container_unhealthy':
      return facts(view, 'container', rule.containers).map(([container, f]) => {
        const bad = f.health === 'unhealthy';
        return {
          labels: { container },
          area: 'docker',
          active: bad,
          clear: !bad,
          summary: `Container ${container} is ${f.health || 'without a healthcheck'}`,
        };
      });
    case 'container_restart_loop': {
      const since = view.now - rule.window;
      return facts(view, 'container', rule.containers).map(([container]) => {
        const deaths = countEvents(view, 'container.die', container, since);
        return {
          labels: { container },
          area: 'docker',
          active: deaths >= rule.restarts,
          clear: deaths === 0,
          value: deaths,
          summary: `Container ${container} died ${deaths} times in ${Math.round(rule.window / 60_000)}m`,
        };
      });
    }
    case 'container_exited':
      return facts(view, 'container', rule.containers).map(([container, f]) => {
        const crashed =
          f.state === 'exited' &&
          typeof f.exit_code === 'number' &&
          f.exit_code !== 0 &&
          !f.stopped_on_request;
        return {
          labels: { container },
          area: 'docker',
          active: crashed,
          clear: f.state === 'running' || f.stopped_on_request === true,
          summary: crashed
            ? `Container ${container} exited unexpectedly (exit code ${f.exit_code})`
            : `Container ${container} is ${f.state}`,
        };
      });
    case 'oom_kill': {
      const since = view.now - rule.window;
      const out: Instance[] = [];
      const hostKills = view.snapshot.eventsSince('host.oom_kill', since);
      const kills = hostKills.reduce(
        (n, e) => n + (typeof e.detail.kills === 'number' ? e.detail.kills : 1),
        0,
      );
      out.push({
        labels: { target: 'host' },
        area: 'system',
        active: kills > 0,
        clear: kills === 0,
        value: kills,
        summary: `The kernel OOM-killed ${kills} process(es) in the last ${Math.round(rule.window / 60_000)}m`,
      });
      const byContainer = new Map<string, number>();
      for (const e of view.snapshot.eventsSince('container.oom', since))
        if (globMatch(rule.containers, e.subject))
          byContainer.set(e.subject, (byContainer.get(e.subject) ?? 0) + 1);
      for (const [container] of facts(view, 'container', rule.containers))
        if (!byContainer.has(container)) byContainer.set(container, 0);
      for (const [container, n] of byContainer)
        out.push({
          labels: { container },
          area: 'docker',
          active: n > 0,
          clear: n === 0,
          value: n,
          summary: `Container ${container} was OOM-killed ${n} time(s) in the last ${Math.round(rule.window / 60_000)}m`,
        });
      return out;
    }
    case 'security_updates': {
      const old = [...view.snapshot.factsOf('security_update')].filter(
        ([, f]) => typeof f.first_seen === 'number' && view.now - f.first_seen >= rule.older_than,
      );
      const days = Math.round(rule.older_than / 86_400_000);
      return [
        {
          labels: {},
          area: 'system',
          active: old.length > 0,
          clear: old.length === 0,
          value: old.length,
          summary: `${old.length} security update(s) pending for more than ${days} days: ${old
            .slice(0, 10)
            .map(([name]) => name)
            .join(', ')}${old.length > 10 ? ', …' : ''}`,
        },
      ];
    }
    case 'tls_expiry':
      return rule.endpoints.map((endpoint) => {
        const f = view.snapshot.factsOf('tls').get(endpoint);
        const days = typeof f?.days_left === 'number' ? f.days_left : undefined;
        const active = days !== undefined && days <= rule.days;
        return {
          labels: { endpoint },
          area: 'system',
          active,
          clear: days !== undefined && !active,
          value: days,
          summary:
            days === undefined
              ? `The certificate of ${endpoint} could not be read${f?.error ? `: ${f.error}` : ''}`
              : `The certificate of ${endpoint} expires in ${round(days)} days`,
        };
      });
    case 'tailscale_offline':
      return facts(view, 'peer', rule.devices).map(([device, f]) => {
        const lastSeen = typeof f.last_seen === 'string' ? Date.parse(f.last_seen) : Number.NaN;
        const offlineSince = Number.isFinite(lastSeen) ? lastSeen : undefined;
        const long = f.online === false && offlineSince !== undefined && view.now - offlineSince >= rule.for;
        return {
          labels: { device },
          area: 'tailscale',
          active: long,
          clear: f.online === true,
          summary: f.online
            ? `${device} is online`
            : `${device} has been offline since ${f.last_seen ?? 'an unknown time'}`,
        };
      });
    case 'tailscale_key_expiry':
      return facts(view, 'peer', rule.devices).flatMap(([device, f]) => {
        if (typeof f.key_expiry !== 'string') return [];
        const days = (Date.parse(f.key_expiry) - view.now) / 86_400_000;
        const active = days <= rule.days;
        return [
          {
            labels: { device },
            area: 'tailscale' as const,
            active,
            clear: !active,
            value: days,
            summary: `The node key of ${device} expires in ${round(days)} days (${f.key_expiry})`,
          },
        ];
      });
    case 'fleet_unreachable':
      return facts(view, 'fleet_host', rule.hosts).map(([host, f]) => ({
        labels: { host },
        area: 'fleet',
        active: f.up === false,
        clear: f.up === true,
        summary: f.up
          ? `Fleet host ${host} answers`
          : `Fleet host ${host} does not answer: ${f.error ?? 'unknown error'}`,
      }));
  }
}

/** How long a condition must hold before the rule fires (tailscale_offline counts from the peer's last-seen time itself). */
export function holdFor(rule: Rule): number {
  if (rule.kind === 'tailscale_offline') return 0;
  return 'for' in rule ? rule.for : 0;
}

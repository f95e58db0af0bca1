import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { DockerContext } from '../modules/docker/context.ts';
import type { SshContext } from '../modules/ssh/context.ts';
import type { SystemContext } from '../modules/system/context.ts';
import type { TailscaleContext } from '../modules/tailscale/context.ts';
import { AlertEngine } from './alerts/engine.ts';
import { AlertStore } from './alerts/store.ts';
import { type Clock, systemClock } from './clock.ts';
import { Collector } from './collector.ts';
import type { WatchConfig } from './config.ts';
import { Exporter } from './export/exporter.ts';
import { fleetHistory } from './fleet-history.ts';
import { Notifier } from './notify/deliver.ts';
import { Remediator } from './remediate/remediator.ts';
import { ReportStore } from './reports/store.ts';
import type { Retention } from './retention.ts';
import { Snapshot } from './snapshot.ts';
import { dockerSource } from './sources/docker.ts';
import { fleetSource } from './sources/fleet.ts';
import { hostSource } from './sources/host.ts';
import { processSource } from './sources/processes.ts';
import type { Source } from './sources/source.ts';
import { tailscaleSource } from './sources/tailscale.ts';
import { tlsSource } from './sources/tls.ts';
import { unitSource } from './sources/units.ts';
import { updatesSource } from './sources/updates.ts';
import { HistoryStore } from './store.ts';

/** Everything the watch feature runs, as its tools, resources and the CLI see it. */
export interface WatchRuntime {
  config: WatchConfig;
  clock: Clock;
  log: Logger;
  store: HistoryStore;
  snapshot: Snapshot;
  collector: Collector;
  engine: AlertEngine;
  alerts: AlertStore;
  notifier: Notifier;
  exporter: Exporter;
  reports: ReportStore;
  /** Runs the remediations in watch.remediation.actions, once the gateway connects it to the call wrapper. */
  remediation: Remediator;
  retention: Retention;
  auditPath: string;
  /** Which modules the collector reads (each source's area is readable only with its permission). */
  modules: { system: boolean; docker: boolean; tailscale: boolean; ssh: boolean };
  /** The clients reports read (inventory, tailnet devices); undefined when that module is off. */
  peers: { system?: SystemContext['system']; tailscale?: TailscaleContext['tailscale'] };
  /** Told after every collection (the status resource's subscribers). */
  onTick(listener: () => void): () => void;
  close(): Promise<void>;
}

export function retentionOf(config: WatchConfig): Retention {
  return {
    raw: config.retention.full,
    m1: config.retention.minute,
    m15: config.retention.quarter,
    maxBytes: config.max_size,
  };
}

export interface RuntimeDeps {
  config: Config;
  log: Logger;
  auditPath: string;
  peer: (id: string) => unknown;
  clock?: Clock;
  /** The first collection waits for it (see ModuleDeps.started). */
  started?: Promise<void>;
}

/** Open the history, build a source per module that runs, and start collecting. */
export function startWatch(deps: RuntimeDeps): WatchRuntime {
  const config = deps.config.watch;
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const retention = retentionOf(config);
  const store = new HistoryStore(
    deps.config.state_dir,
    { maxSeries: config.max_series, maxBufferedSamples: 200_000 },
    log,
  );
  const snapshot = new Snapshot();
  const alerts = new AlertStore(store.db);
  const engine = new AlertEngine({ alerts, history: store, snapshot, config, retention, log });
  const notifier = new Notifier({ config: config.notify, alerts, clock, log });
  const exporter = new Exporter({ config: config.export, clock, log });
  const reports = new ReportStore(store.db, config.report_max_bytes);
  const remediation = new Remediator({
    config: config.remediation,
    engine,
    clock,
    log: log.child({ component: 'remediation' }),
    pollMs: config.interval,
  });
  engine.onChange((change) => notifier.notify(change));
  engine.onChange((change) => remediation.onChange(change));

  const system = deps.peer('system') as SystemContext | undefined;
  const docker = deps.peer('docker') as DockerContext | undefined;
  const tailscale = deps.peer('tailscale') as TailscaleContext | undefined;
  const ssh = deps.peer('ssh') as SshContext | undefined;
  const sources: Source[] = [];
  if (system) {
    sources.push(
      hostSource(system.system, config.interval),
      processSource(config.interval, config.top_processes),
      unitSource(system.system, config.units_interval),
      updatesSource(system.system, store, config.updates_interval),
      tlsSource(system.system, () => engine.tlsEndpoints(), config.tls_interval),
    );
  }
  if (docker) sources.push(dockerSource(docker.docker, config.interval));
  if (tailscale) sources.push(tailscaleSource(tailscale.tailscale, config.tailscale_interval));
  if (ssh) {
    sources.push(fleetSource(ssh.ssh, config.fleet_interval));
    ssh.ssh.history = fleetHistory({ store, alerts, clock, retention });
  }

  const tickListeners = new Set<() => void>();
  const collector = new Collector({
    store,
    snapshot,
    clock,
    log,
    intervalMs: config.interval,
    retention,
    sources,
    onSample: exporter.enabled
      ? (name, labels, value, t) => exporter.push(name, labels, value, t)
      : undefined,
    afterTick: (now) => {
      engine.evaluate(now, config.interval);
      reports.prune(now - config.reports_keep);
      if (collector.ticks % 240 === 0) engine.prune(now);
      for (const listener of tickListeners) listener();
    },
  });
  collector.start(deps.started);
  exporter.start();
  return {
    config,
    clock,
    log,
    store,
    snapshot,
    collector,
    engine,
    alerts,
    notifier,
    exporter,
    reports,
    remediation,
    retention,
    auditPath: deps.auditPath,
    modules: { system: !!system, docker: !!docker, tailscale: !!tailscale, ssh: !!ssh },
    peers: { system: system?.system, tailscale: tailscale?.tailscale },
    onTick(listener) {
      tickListeners.add(listener);
      return () => tickListeners.delete(listener);
    },
    async close() {
      if (ssh) ssh.ssh.history = undefined;
      remediation.close();
      collector.stop();
      await collector.settled();
      exporter.close();
      await notifier.close();
      store.close();
    },
  };
}

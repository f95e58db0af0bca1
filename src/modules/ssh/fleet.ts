import type { AuditLog } from '../../audit/log.ts';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { LoadedEntry } from './catalog/load.ts';
import { renderArgv } from './catalog/render.ts';
import type { CatalogStore } from './catalog/store.ts';
import type { SshConfig } from './config.ts';
import type { DeviceSource } from './discovery.ts';
import { type ExecResult, execOn, probeHostKey } from './exec.ts';
import type { HostRegistry } from './hosts.ts';
import { PlacementLog } from './placement-log.ts';
import type { HostHistory } from './placement-rank.ts';
import type { SshPool } from './pool.ts';
import { commandLine } from './quote.ts';
import { type RemoteFiles, withSftp } from './sftp.ts';

export interface CommandRun extends ExecResult {
  host: string;
  command: string;
  /** The argv that ran, each element one literal argument. */
  argv: string[];
}

export interface HostCheck {
  host: string;
  address: string;
  reachable: boolean;
  pinned_fingerprint: string | null;
  presented_fingerprint: string | null;
  key_matches: boolean;
  login_ok: boolean;
  latency_ms: number | null;
  error?: string;
}

/**
 * Closing the channel does not stop a command that ignores its closed pipes,
 * so the host enforces the deadline too: TERM one second after ours (we report
 * the timeout first), KILL five seconds later. sudo relays the TERM.
 */
export function withRemoteDeadline(argv: readonly string[], timeoutMs: number): string[] {
  return ['timeout', '-k', '5', `${Math.ceil(timeoutMs / 1000) + 1}`, ...argv];
}

/** What the metrics history knows about each of the hosts asked for (those it knows nothing of are absent). */
export type HistorySource = (
  hosts: readonly string[],
  signal: AbortSignal,
) => Promise<Map<string, HostHistory>>;

/** The fleet as the tools see it: hosts, their pooled connections, and the command catalog. */
export class Fleet {
  readonly hosts: HostRegistry;
  readonly pool: SshPool;
  readonly catalog: CatalogStore;
  readonly settings: SshConfig;
  readonly log: Logger;
  /** Set by the lead's wiring when the Tailscale module runs; undefined otherwise. */
  deviceSource: DeviceSource | undefined;
  /** The hosts fleet_pick_host chose, which a deploy may cite as its placement. */
  readonly placements: PlacementLog;
  /**
   * The metrics history of the hosts (open alerts, recent CPU and memory), for
   * placement. Set by the wiring when the Watch module (issue 17) runs; until
   * then fleet_pick_host ranks from live status alone and says so.
   */
  history: HistorySource | undefined;

  constructor(parts: {
    hosts: HostRegistry;
    pool: SshPool;
    catalog: CatalogStore;
    settings: SshConfig;
    log: Logger;
    audit?: AuditLog;
  }) {
    this.hosts = parts.hosts;
    this.pool = parts.pool;
    this.catalog = parts.catalog;
    this.settings = parts.settings;
    this.log = parts.log;
    this.placements = new PlacementLog({ audit: parts.audit });
  }

  entry(name: string): LoadedEntry {
    const entry = this.catalog.get(name);
    if (!entry) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown command "${name}". Call ssh_commands_list for the catalog (${this.catalog.names().length} commands).`,
      );
    }
    return entry;
  }

  /** Run a fixed argv on a host over its pooled connection. */
  exec(
    host: string,
    argv: readonly string[],
    options: { signal: AbortSignal; timeout?: number; outputCap?: number },
  ): Promise<ExecResult> {
    const timeout = options.timeout ?? this.settings.command_timeout;
    const line = commandLine(this.settings.remote_timeout ? withRemoteDeadline(argv, timeout) : argv);
    return this.pool.withConnection(host, options.signal, (client) =>
      execOn(client, line, {
        timeout,
        outputCap: options.outputCap ?? this.settings.output_cap,
        signal: options.signal,
      }),
    );
  }

  /**
   * Run a fixed argv on a host and stream its output lines as they come (a long
   * compose run); the newest `outputCap` bytes of each stream are kept.
   */
  stream(
    host: string,
    argv: readonly string[],
    options: { signal: AbortSignal; timeout: number; onLine: (line: string) => void; outputCap?: number },
  ): Promise<ExecResult> {
    const line = commandLine(this.settings.remote_timeout ? withRemoteDeadline(argv, options.timeout) : argv);
    return this.pool.withConnection(host, options.signal, (client) =>
      execOn(client, line, {
        timeout: options.timeout,
        outputCap: options.outputCap ?? 64 * 1024,
        signal: options.signal,
        onLine: options.onLine,
      }),
    );
  }

  /** Work with the host's files over SFTP on its pooled, pinned connection (one concurrency slot meanwhile). */
  sftp<T>(host: string, signal: AbortSignal, work: (files: RemoteFiles) => Promise<T>): Promise<T> {
    return this.pool.withConnection(host, signal, (client) => withSftp(client, host, signal, work));
  }

  /** Validate the parameters against the catalog entry and run it. */
  async run(
    host: string,
    entry: LoadedEntry,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<CommandRun> {
    this.hosts.get(host); // unknown host: a clear error before anything else
    const argv = renderArgv(entry, params);
    const result = await this.exec(host, argv, {
      signal,
      timeout: entry.timeout,
      outputCap: entry.output_cap,
    });
    return { host, command: entry.name, argv, ...result };
  }

  /** Is the host reachable, does its key match the pin, can we log in, and how long does it take. */
  async check(name: string, signal: AbortSignal): Promise<HostCheck> {
    const host = this.hosts.get(name);
    const report: HostCheck = {
      host: name,
      address: `${host.address}:${host.port}`,
      reachable: false,
      pinned_fingerprint: host.pin?.fingerprint ?? null,
      presented_fingerprint: null,
      key_matches: false,
      login_ok: false,
      latency_ms: null,
    };
    try {
      const probe = await probeHostKey(host.address, host.port, this.settings.connect_timeout);
      report.reachable = true;
      report.presented_fingerprint = probe.fingerprint;
      report.key_matches = probe.fingerprint === host.pin?.fingerprint;
    } catch (error) {
      report.error = `not reachable: ${(error as Error).message}`;
      return report;
    }
    if (!host.pin) {
      report.error = `no pinned key; run \`tailwarden hosts trust ${name}\` after checking ${report.presented_fingerprint} on the host`;
      return report;
    }
    if (!report.key_matches) {
      report.error = `HOST KEY MISMATCH: presented ${report.presented_fingerprint}, pinned ${host.pin.fingerprint}`;
      return report;
    }
    const started = performance.now();
    try {
      // The login check runs a command, so it gets a command's time: a busy host (or a slow
      // login shell) that needs more than connect_timeout to start `true` has not failed to log in.
      const result = await this.exec(name, ['true'], { signal, timeout: this.settings.command_timeout });
      report.login_ok = result.exit_code === 0;
      report.latency_ms = Math.round(performance.now() - started);
    } catch (error) {
      report.error = error instanceof GatewayError ? error.message : 'login failed';
    }
    return report;
  }
}

import { defineModule } from '../types.ts';
import { CatalogStore } from './catalog/store.ts';
import type { SshContext } from './context.ts';
import { Fleet } from './fleet.ts';
import { HostRegistry } from './hosts.ts';
import { SshPool } from './pool.ts';
import { tailnetDeviceSource } from './tailnet-devices.ts';
import { sshTools } from './tools.ts';

/** Build the fleet from config (also used by the `tailwarden hosts` CLI). */
export function createFleet(deps: Parameters<typeof sshModule.start>[0]): Fleet {
  const settings = deps.config.modules.ssh;
  // A catalog that does not validate throws here: the gateway refuses to start, naming file, entry and field.
  const catalog = new CatalogStore(CatalogStore.filesFor(settings), deps.log);
  const hosts = new HostRegistry(settings.hosts, deps.db);
  const pool = new SshPool(
    hosts,
    {
      connectTimeout: settings.connect_timeout,
      keepaliveInterval: settings.keepalive_interval,
      idleTimeout: settings.idle_timeout,
      maxConcurrentPerHost: settings.max_concurrent_per_host,
      downRetry: settings.down_retry,
    },
    deps.log,
  );
  return new Fleet({ hosts, pool, catalog, settings, log: deps.log, audit: deps.audit });
}

export const sshModule = defineModule<SshContext>({
  id: 'ssh',
  title: 'SSH fleet',
  enabled: (config) => config.modules.ssh.enabled,
  tools: sshTools,
  areas: { hosts: ['ssh_hosts', 'ssh_host', 'fleet'], commands: ['ssh_commands', 'ssh_command'] },
  doctor: (deps) => import('./doctor.ts').then((m) => m.sshDoctor(deps)),
  start(deps) {
    const fleet = createFleet(deps);
    if (deps.peer) fleet.deviceSource = tailnetDeviceSource(deps.peer);
    const unpinned = fleet.hosts.all().filter((h) => !h.pin);
    if (unpinned.length > 0)
      deps.log.warn(
        { hosts: unpinned.map((h) => h.name) },
        'hosts without a pinned host key are refused until `tailwarden hosts trust NAME`',
      );
    // SIGHUP re-reads the catalog files; a catalog that does not validate is refused
    // (logged with file, entry and field) and the one in use stays.
    const reloadCatalog = () => {
      try {
        fleet.catalog.reload();
      } catch {
        // already logged by the store; the running catalog is unchanged
      }
    };
    process.on('SIGHUP', reloadCatalog);
    return {
      context: { ssh: fleet },
      health: () => {
        const down = fleet.hosts.names().filter((name) => fleet.pool.status(name).down);
        return down.length > 0
          ? { status: 'degraded', detail: `hosts down: ${down.join(', ')}` }
          : { status: 'ok' };
      },
      close: () => {
        process.off('SIGHUP', reloadCatalog);
        return fleet.pool.close();
      },
    };
  },
});

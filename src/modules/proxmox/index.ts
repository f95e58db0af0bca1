import { defineModule } from '../types.ts';
import { accessCheck } from './access.ts';
import { backupCoverage } from './backup-coverage.ts';
import { backupReadTools } from './backups-read.ts';
import { backupWriteTools } from './backups-write.ts';
import { clusterTools } from './cluster-tools.ts';
import { Clusters } from './clusters.ts';
import { guestConfigSet } from './config-set.ts';
import type { ProxmoxContext } from './context.ts';
import { proxmoxDoctor } from './doctor.ts';
import { guestTools } from './guest-tools.ts';
import { historyTools } from './history.ts';
import { powerTools } from './power.ts';
import { proxmoxPrompts } from './prompts.ts';
import { findSelf } from './self.ts';
import { snapshotTools } from './snapshots.ts';
import { taskTools } from './task-tools.ts';

/**
 * Proxmox VE through its API with an API token: the hypervisor the gateway
 * usually lives on. Deliberately absent: creating, cloning, migrating and
 * destroying guests, disk and device changes, node power — a mistake there is
 * not undone by a rollback.
 */
export const proxmoxModule = defineModule<ProxmoxContext>({
  id: 'proxmox',
  title: 'Proxmox VE',
  enabled: (config) => config.modules.proxmox.enabled,
  tools: [
    ...clusterTools,
    ...guestTools,
    ...historyTools,
    ...snapshotTools,
    ...backupReadTools,
    backupCoverage,
    ...backupWriteTools,
    ...taskTools,
    ...powerTools,
    guestConfigSet,
    accessCheck,
  ],
  areas: {
    cluster: ['proxmox_cluster', 'proxmox_node', 'proxmox_storage', 'proxmox_access'],
    guests: ['proxmox_guests', 'proxmox_guest'],
    snapshots: ['proxmox_snapshot', 'proxmox_snapshots'],
    backups: ['proxmox_backup', 'proxmox_backups'],
    tasks: ['proxmox_task', 'proxmox_tasks'],
  },
  prompts: proxmoxPrompts,
  doctor: proxmoxDoctor,
  async start({ config, log, peer }) {
    const settings = config.modules.proxmox;
    const clusters = new Clusters(settings, log);
    const self = await findSelf(settings, peer);
    if (self) log.info({ vmid: self.vmid, source: self.source }, 'protecting the guest the gateway runs in');
    return {
      context: { proxmox: { clusters, settings, self, toolTimeoutMs: config.tools.timeout } },
      // Health does not call out (a request per /ready would load the API); it reports what is known.
      health: () => {
        if (clusters.names.length === 0)
          return { status: 'degraded' as const, detail: 'no cluster configured (modules.proxmox.clusters)' };
        const problems = clusters
          .all()
          .map((c) => c.problem && `${c.name}: ${c.problem}`)
          .filter(Boolean);
        return problems.length
          ? { status: 'degraded' as const, detail: problems.join('; ') }
          : { status: 'ok' as const, detail: `clusters ${clusters.names.join(', ')}` };
      },
      close: () => clusters.close(),
    };
  },
});

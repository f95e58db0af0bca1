import { hostname } from 'node:os';
import { defineResource, jsonResource } from '../../mcp/resource.ts';
import { defineModule } from '../types.ts';
import type { HostIdentity, SystemContext } from './context.ts';
import { systemDoctor } from './doctor.ts';
import { FileGuard } from './file-guard.ts';
import { fileTools } from './files.ts';
import { identityOf, inventoryTools } from './inventory.ts';
import { InventoryStore } from './inventory-store.ts';
import { logTools } from './logs.ts';
import { NetGuard } from './net-guard.ts';
import { netDnsLookup, netHttpProbe, netPing, netTcpCheck, netTlsCheck, netTraceroute } from './net-tools.ts';
import { networkInterfaces, networkIo } from './network.ts';
import { readOsFacts } from './os-release.ts';
import { packageTools } from './packages.ts';
import { processesTop } from './processes.ts';
import { systemPrompts } from './prompts.ts';
import { CommandRunner } from './runner.ts';
import { HostSampler } from './sampler.ts';
import { serviceTools } from './services.ts';
import { netSockets } from './sockets.ts';
import { currentStatus, systemStatus } from './status.ts';
import { detectVirtualization } from './virtualization.ts';

async function readIdentity(): Promise<HostIdentity> {
  const [os, virtualization] = await Promise.all([readOsFacts(), detectVirtualization()]);
  return {
    hostname: os.hostname || hostname(),
    os: { distro: os.distro, release: os.release, codename: os.codename, kernel: os.kernel, arch: os.arch },
    virtualization,
  };
}

const statusResource = defineResource<SystemContext>({
  name: 'system_status',
  title: 'Host status',
  description: 'The same status object system_status returns.',
  uri: 'tailwarden://system/status',
  mimeType: 'application/json',
  tools: ['system_status'],
  read: async (_params, ctx) => jsonResource(await currentStatus(ctx)),
});

const inventoryResource = defineResource<SystemContext>({
  name: 'inventory',
  title: 'Host inventory',
  description: 'What runs on this host (from the last inventory_scan), with notes and corrections.',
  uri: 'tailwarden://inventory',
  mimeType: 'application/json',
  tools: ['inventory_list', 'inventory_identity'],
  read: async (_params, ctx) =>
    jsonResource({ identity: await identityOf(ctx), items: ctx.system.inventory.list() }),
});

const identityResource = defineResource<SystemContext>({
  name: 'inventory_identity',
  title: 'Host identity',
  description: 'Hostname, display name, virtualization and Proxmox container id.',
  uri: 'tailwarden://inventory/identity',
  mimeType: 'application/json',
  tools: ['inventory_identity'],
  read: async (_params, ctx) => jsonResource(await identityOf(ctx)),
});

export const systemModule = defineModule<SystemContext>({
  id: 'system',
  title: 'System',
  enabled: (config) => config.modules.system.enabled,
  areas: {
    host: ['system_status', 'system_processes', 'system_network'],
    services: ['system_services', 'system_service'],
    logs: ['system_logs'],
    packages: ['system_packages'],
    files: ['files'],
    net: ['net'],
    inventory: ['inventory'],
  },
  tools: [
    systemStatus,
    processesTop,
    networkInterfaces,
    networkIo,
    ...serviceTools,
    ...logTools,
    ...packageTools,
    ...fileTools,
    netPing,
    netTcpCheck,
    netDnsLookup,
    netTlsCheck,
    netHttpProbe,
    netSockets,
    netTraceroute,
    ...inventoryTools,
  ],
  prompts: systemPrompts,
  doctor: systemDoctor,
  resources: [statusResource, inventoryResource, identityResource],
  async start({ config, log, db, started }) {
    const settings = config.modules.system;
    const sampler = new HostSampler(settings.sample_interval, settings.disk_sample_interval, log);
    // Read in the background: nothing before the first answer needs it (system_status awaits it).
    const identity = readIdentity();
    identity.catch(() => {}); // a failure surfaces where it is awaited
    sampler.start(started);
    return {
      context: {
        system: {
          sampler,
          identity,
          config: settings,
          files: new FileGuard(settings.file_roots, settings.file_deny),
          runner: new CommandRunner(settings.exec_prefix),
          net: new NetGuard({
            allow: settings.net_allow,
            deny: settings.net_deny,
            allowLoopback: settings.net_allow_loopback,
            allowPublic: settings.net_allow_public,
            dnsServers: settings.net_dns_servers,
          }),
          inventory: new InventoryStore(db),
        },
      },
      health: () =>
        sampler.stale ? { status: 'degraded', detail: 'the host sampler is behind' } : { status: 'ok' },
      close: () => sampler.stop(),
    };
  },
});

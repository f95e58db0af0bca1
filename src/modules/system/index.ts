import { hostname } from 'node:os';
import si from 'systeminformation';
import { z } from 'zod';
import { definePrompt } from '../../mcp/prompt.ts';
import { defineResource, jsonResource } from '../../mcp/resource.ts';
import { defineModule } from '../types.ts';
import type { HostIdentity, SystemContext } from './context.ts';
import { networkInterfaces, networkIo } from './network.ts';
import { processesTop } from './processes.ts';
import { HostSampler } from './sampler.ts';
import { currentStatus, systemStatus } from './status.ts';
import { detectVirtualization } from './virtualization.ts';

async function readIdentity(): Promise<HostIdentity> {
  const [os, virtualization] = await Promise.all([si.osInfo(), detectVirtualization()]);
  return {
    hostname: os.hostname || hostname(),
    os: { distro: os.distro, release: os.release, codename: os.codename, kernel: os.kernel, arch: os.arch },
    virtualization,
  };
}

const healthCheck = definePrompt({
  name: 'health_check',
  title: 'Health check of this host',
  description:
    'Walk through the host status, top processes and network throughput, and report what needs attention.',
  permission: 'system:read',
  args: z.object({
    focus: z.string().optional().describe('Something to look at especially, e.g. "disk" or "memory"'),
  }),
  render: ({ focus }) =>
    [
      'Check the health of this host with the tailwarden tools, then report briefly.',
      '1. Call system_status. Note every entry in `warnings`, disks above 80 %, memory used above 80 %, and load average against the core count.',
      '2. Call system_processes_top with {"by": "cpu", "limit": 5} and again with {"by": "memory", "limit": 5}; name any process that dominates.',
      '3. Call system_network_io and mention interfaces with errors or unusual throughput.',
      focus ? `Pay particular attention to: ${focus}.` : '',
      'Finish with: overall state (healthy / needs attention / critical), the findings in order of urgency, and a concrete next step for each.',
    ]
      .filter(Boolean)
      .join('\n'),
});

const statusResource = defineResource<SystemContext>({
  name: 'system_status',
  title: 'Host status',
  description: 'The same status object system_status returns.',
  uri: 'tailwarden://system/status',
  mimeType: 'application/json',
  permission: 'system:read',
  read: async (_params, ctx) => jsonResource(await currentStatus(ctx)),
});

export const systemModule = defineModule<SystemContext>({
  id: 'system',
  title: 'System',
  enabled: (config) => config.modules.system.enabled,
  tools: [systemStatus, processesTop, networkInterfaces, networkIo],
  prompts: [healthCheck],
  resources: [statusResource],
  async start({ config, log }) {
    const settings = config.modules.system;
    const sampler = new HostSampler(settings.sample_interval, settings.disk_sample_interval, log);
    sampler.start();
    const identity = await readIdentity();
    return {
      context: { system: { sampler, identity, config: settings } },
      health: () =>
        sampler.stale ? { status: 'degraded', detail: 'the host sampler is behind' } : { status: 'ok' },
      close: () => sampler.stop(),
    };
  },
});

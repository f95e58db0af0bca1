import type { SshContext } from '../../modules/ssh/context.ts';
import { fleetStatus } from '../../modules/ssh/status.ts';
import type { Source } from './source.ts';

/** Every fleet host over its pooled SSH connection: up or not, load, memory, disks. */
export function fleetSource(ssh: SshContext['ssh'], everyMs: number): Source {
  const up = new Map<string, boolean>();
  return {
    id: 'fleet',
    area: 'fleet',
    everyMs,
    async run(ctx) {
      const hosts = ssh.hosts.names();
      if (hosts.length === 0) return;
      const { hosts: statuses } = await fleetStatus(ssh, hosts, ssh.settings.fleet_timeout, ctx.signal);
      for (const s of statuses) {
        ctx.record('fleet.host.up', { host: s.host }, s.answered ? 1 : 0);
        if (s.load_average) ctx.record('fleet.host.load.1', { host: s.host }, s.load_average.m1);
        if (s.memory) ctx.record('fleet.host.memory.used_percent', { host: s.host }, s.memory.used_percent);
        for (const d of s.disks ?? [])
          ctx.record('fleet.host.disk.used_percent', { host: s.host, mount: d.mount }, d.used_percent);
        const before = up.get(s.host);
        if (before !== undefined && before !== s.answered)
          ctx.event(s.answered ? 'host.up' : 'host.down', s.host, s.error ? { error: s.error } : {});
        up.set(s.host, s.answered);
        ctx.fact('fleet_host', s.host, { up: s.answered, error: s.error ?? null });
      }
    },
  };
}

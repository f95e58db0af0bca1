import { readFileSync, statfsSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { SystemContext } from '../../modules/system/context.ts';
import type { Source } from './source.ts';

const SECTOR = 512;

/** "some avg10" of a /proc/pressure file, or undefined where PSI is off. */
function pressure(resource: 'cpu' | 'io'): number | undefined {
  try {
    const match = /^some avg10=([\d.]+)/m.exec(readFileSync(`/proc/pressure/${resource}`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes read and written per whole block device (partitions and virtual devices left out). */
function diskCounters(): Map<string, { read: number; written: number }> {
  const out = new Map<string, { read: number; written: number }>();
  let text = '';
  try {
    text = readFileSync('/proc/diskstats', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2];
    if (
      !name ||
      /^(loop|ram|zram|dm-|sr|md)/.test(name) ||
      /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+)\d+$/.test(name)
    )
      continue;
    if (/^nvme\d+n\d+p\d+$/.test(name) || /^mmcblk\d+p\d+$/.test(name)) continue;
    out.set(name, { read: Number(f[5]) * SECTOR, written: Number(f[9]) * SECTOR });
  }
  return out;
}

function oomKills(): number | undefined {
  try {
    const match = /^oom_kill (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Host CPU, load, memory, PSI, swap, disks (use, inodes, I/O), interfaces; OOM kills as events. */
export function hostSource(system: SystemContext['system'], everyMs: number): Source {
  let previousDisks: { at: number; counters: Map<string, { read: number; written: number }> } | undefined;
  let previousOom = oomKills();
  return {
    id: 'host',
    area: 'system',
    everyMs,
    async run(ctx) {
      const sample = await system.sampler.current();
      if (sample) {
        const { memory } = sample;
        ctx.record('host.cpu.percent', {}, sample.cpuPercent);
        if (memory.total > 0) ctx.record('host.memory.used_percent', {}, (memory.used / memory.total) * 100);
        ctx.record('host.memory.used_bytes', {}, memory.used);
        ctx.record('host.swap.used_bytes', {}, memory.swapUsed);
        if (sample.memoryPressure !== undefined)
          ctx.record('host.psi.memory.some', {}, sample.memoryPressure);
        for (const disk of sample.disks) {
          ctx.record('host.disk.used_percent', { mount: disk.mount }, disk.used_percent);
          ctx.record('host.disk.used_bytes', { mount: disk.mount }, disk.used_bytes);
          try {
            const fs = statfsSync(disk.mount);
            if (fs.files > 0)
              ctx.record(
                'host.disk.inodes_used_percent',
                { mount: disk.mount },
                ((fs.files - fs.ffree) / fs.files) * 100,
              );
          } catch {
            // not reachable from here (another mount namespace): no inode figure
          }
        }
        for (const iface of sample.network) {
          if (iface.iface === 'lo') continue;
          if (iface.rx_bytes_per_s !== null)
            ctx.record('host.net.rx_bytes_per_s', { iface: iface.iface }, iface.rx_bytes_per_s);
          if (iface.tx_bytes_per_s !== null)
            ctx.record('host.net.tx_bytes_per_s', { iface: iface.iface }, iface.tx_bytes_per_s);
        }
      }
      const [m1, m5, m15] = loadavg() as [number, number, number];
      ctx.record('host.load.1', {}, m1);
      ctx.record('host.load.5', {}, m5);
      ctx.record('host.load.15', {}, m15);
      for (const resource of ['cpu', 'io'] as const) {
        const value = pressure(resource);
        if (value !== undefined) ctx.record(`host.psi.${resource}.some`, {}, value);
      }
      // Rates over real elapsed time: the counters are real whatever the collector's clock says.
      const counters = diskCounters();
      const at = performance.now();
      if (previousDisks) {
        const seconds = (at - previousDisks.at) / 1000;
        for (const [device, now] of counters) {
          const before = previousDisks.counters.get(device);
          if (!before || seconds <= 0) continue;
          ctx.record('host.disk.read_bytes_per_s', { device }, Math.max(0, now.read - before.read) / seconds);
          ctx.record(
            'host.disk.write_bytes_per_s',
            { device },
            Math.max(0, now.written - before.written) / seconds,
          );
        }
      }
      previousDisks = { at, counters };
      const oom = oomKills();
      if (oom !== undefined && previousOom !== undefined && oom > previousOom)
        ctx.event('host.oom_kill', 'kernel', { kills: oom - previousOom });
      previousOom = oom;
    },
  };
}

/**
 * system_status on a warm sampler vs calling systeminformation directly for the
 * same fields (OS, load, memory, disks). Prints median latency and the ratio.
 *   npx node bench/system-status.ts [iterations]
 */
import { cpus, loadavg, uptime } from 'node:os';
import si from 'systeminformation';
import { configFrom } from '../src/config/load.ts';
import { createLogger } from '../src/log.ts';
import type { SystemContext } from '../src/modules/system/context.ts';
import { HostSampler } from '../src/modules/system/sampler.ts';
import { currentStatus } from '../src/modules/system/status.ts';
import { detectVirtualization } from '../src/modules/system/virtualization.ts';

const iterations = Number(process.argv[2] ?? 30);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

const config = configFrom({});
const sampler = new HostSampler(5000, 30_000, createLogger({ level: 'silent' }));
sampler.start();
await sampler.current();
const os = await si.osInfo();
const ctx = {
  system: {
    sampler,
    identity: {
      hostname: os.hostname,
      os: { distro: os.distro, release: os.release, codename: os.codename, kernel: os.kernel, arch: os.arch },
      virtualization: await detectVirtualization(),
    },
    config: config.modules.system,
  },
} as unknown as SystemContext;

const warm = await time(() => currentStatus(ctx));
const direct = await time(async () => {
  const [osInfo, load, mem, disks] = await Promise.all([
    si.osInfo(),
    si.currentLoad(),
    si.mem(),
    si.fsSize(),
  ]);
  return { osInfo, load, mem, disks, cores: cpus().length, loadavg: loadavg(), uptime: uptime() };
});
sampler.stop();
const mWarm = median(warm);
const mDirect = median(direct);
console.log(`system_status (warm sampler): median ${mWarm.toFixed(3)} ms over ${iterations} calls`);
console.log(`systeminformation directly:   median ${mDirect.toFixed(3)} ms over ${iterations} calls`);
console.log(`ratio: ${(mDirect / mWarm).toFixed(0)}x faster (target >= 10x, under 20 ms)`);

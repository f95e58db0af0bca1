/**
 * The watch collector and history, measured:
 *  1. collector CPU per collection with 20 running containers (own + child processes, and the
 *     Docker engine's share), as a percentage of one core at the default 15 s interval;
 *  2. RSS the collector adds (after its first 40 collections);
 *  3. history database size after 30 simulated days (synthetic samples of ~190 series every
 *     15 s through the real pipeline: batched writes, rollups, retention);
 *  4. a 24 h history query at a 1-minute step, and top consumers over 8 h, on that database.
 * Run: node --expose-gc bench/watch.ts [days] [collector|history]  (both by default)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { configFrom } from '../src/config/load.ts';
import { createLogger } from '../src/log.ts';
import type { DockerContext } from '../src/modules/docker/context.ts';
import { HostSampler } from '../src/modules/system/sampler.ts';
import { Collector } from '../src/watch/collector.ts';
import { history, topConsumers } from '../src/watch/query.ts';
import { enforceCap, prune, rollUp } from '../src/watch/retention.ts';
import { retentionOf } from '../src/watch/runtime.ts';
import { Snapshot } from '../src/watch/snapshot.ts';
import { dockerSource } from '../src/watch/sources/docker.ts';
import { hostSource } from '../src/watch/sources/host.ts';
import { processSource } from '../src/watch/sources/processes.ts';
import { HistoryStore } from '../src/watch/store.ts';
import { cleanup, runContainer, testPrefix } from '../test/docker/support.ts';
import { ManualClock } from '../test/watch/support.ts';
import { rssMb } from './support/proc.ts';

const DAYS = Number(process.argv[2] ?? 30);
const ONLY = process.argv[3];
const log = createLogger({ level: 'silent' });
const config = configFrom({}).watch;
const retention = retentionOf(config);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU ms of this process and of its waited-for children, from /proc (utime+stime, cutime+cstime). */
function cpu(pid: number | 'self' = 'self'): { own: number; children: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { own: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10 };
}

function dockerdPid(): number | undefined {
  try {
    return Number(execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(' ')[0]);
  } catch {
    return undefined;
  }
}

async function collectorCpu(): Promise<void> {
  const prefix = testPrefix('benchwatch');
  console.log('starting 20 containers…');
  await Promise.all(Array.from({ length: 20 }, (_, i) => runContainer(prefix, `c${i}`)));
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-watch-'));
  const sampler = new HostSampler(5000, 30_000, log);
  sampler.start();
  await sampler.current();
  // The system module samples on its own timers whether or not the collector runs: stopped
  // here, so the window measures only the collector (which reads the sampler's latest figures).
  sampler.stop();
  const system = { sampler } as never;
  const engine = new Docker({ socketPath: '/var/run/docker.sock' });
  const docker = { engine, config: configFrom({}).modules.docker } as unknown as DockerContext['docker'];
  const clock = new ManualClock();
  if (global.gc) global.gc();
  const rssBefore = rssMb(process.pid);
  const heapBefore = process.memoryUsage().heapUsed / 1e6;
  const store = new HistoryStore(dir, { maxSeries: config.max_series, maxBufferedSamples: 200_000 }, log);
  const collector = new Collector({
    store,
    snapshot: new Snapshot(),
    clock,
    log,
    intervalMs: config.interval,
    retention,
    sources: [
      hostSource(system, config.interval),
      processSource(config.interval, config.top_processes),
      dockerSource(docker, config.interval),
    ],
  });
  try {
    for (let i = 0; i < 3; i++) {
      clock.advance(config.interval);
      await collector.tick(); // warm up: first readings, series created
    }
    const rounds = 40;
    const dockerd = dockerdPid();
    const before = cpu();
    const dockerBefore = dockerd ? cpu(dockerd).own : 0;
    const ticks: number[] = [];
    for (let i = 0; i < rounds; i++) {
      clock.advance(config.interval);
      const started = performance.now();
      await collector.tick();
      ticks.push(performance.now() - started);
      // Real time must pass for per-interval rates; a short pause stands in for the 15 s.
      await new Promise((r) => setTimeout(r, 250));
    }
    const after = cpu();
    const dockerAfter = dockerd ? cpu(dockerd).own : 0;
    const perTick = (after.own - before.own) / rounds;
    const childPerTick = (after.children - before.children) / rounds;
    const dockerPerTick = (dockerAfter - dockerBefore) / rounds;
    const share = (ms: number) => ((ms / config.interval) * 100).toFixed(2);
    console.log(
      `collector: ${store.seriesCount} series, ${rounds} collections, median ${median(ticks).toFixed(1)} ms wall each, last flush ${collector.lastFlushMs.toFixed(2)} ms`,
    );
    console.log(
      `collector CPU per collection: ${perTick.toFixed(1)} ms own + ${childPerTick.toFixed(1)} ms children`,
    );
    console.log(
      `  = ${share(perTick + childPerTick)} % of one core at the ${config.interval / 1000} s interval (target < 1 %)`,
    );
    console.log(
      `  dockerd answering it: ${dockerPerTick.toFixed(1)} ms per collection = ${share(dockerPerTick)} % of one core`,
    );
    if (global.gc) global.gc();
    console.log(
      `RSS added by the collector: ${(rssMb(process.pid) - rssBefore).toFixed(1)} MB (target < 15 MB); V8 heap in use after GC ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB (was ${heapBefore.toFixed(1)} MB)`,
    );
  } finally {
    collector.stop();
    sampler.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await cleanup(prefix);
  }
}

/** 30 days of synthetic samples through the real pipeline: record, flush per tick, roll up, prune. */
function simulatedDays(): { dir: string; store: HistoryStore; now: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-history-'));
  const store = new HistoryStore(dir, { maxSeries: config.max_series, maxBufferedSamples: 200_000 }, log);
  const interval = config.interval;
  const end = Date.now();
  const start = end - DAYS * 86_400_000;
  const mounts = ['/', '/var', '/srv/media'];
  const ifaces = ['eth0', 'tailscale0', 'docker0'];
  const processes = Array.from({ length: 30 }, (_, i) => ({
    name: `proc${i}`,
    user: i % 3 ? 'root' : 'www-data',
  }));
  const containers = Array.from({ length: 20 }, (_, i) => `app-${i}`);
  const started = performance.now();
  let samples = 0;
  let lastMaintenance = start;
  for (let t = start, n = 0; t < end; t += interval, n++) {
    const wave = Math.sin(n / 240);
    const rec = (name: Parameters<HistoryStore['record']>[0], labels: Record<string, string>, v: number) => {
      store.record(name, labels, v, t);
      samples++;
    };
    rec('host.cpu.percent', {}, 30 + 20 * wave);
    rec('host.load.1', {}, 1 + wave);
    rec('host.load.5', {}, 1);
    rec('host.load.15', {}, 1);
    rec('host.memory.used_percent', {}, 55 + 5 * wave);
    rec('host.memory.used_bytes', {}, 8e9 + 1e8 * wave);
    rec('host.swap.used_bytes', {}, 1e8);
    for (const r of ['cpu', 'memory', 'io'] as const) rec(`host.psi.${r}.some`, {}, Math.abs(wave));
    mounts.forEach((mount, i) => {
      rec('host.disk.used_percent', { mount }, 40 + i * 10 + n / 1e5);
      rec('host.disk.used_bytes', { mount }, 1e11 + n * 1000);
      rec('host.disk.inodes_used_percent', { mount }, 5);
    });
    for (const device of ['sda', 'nvme0n1']) {
      rec('host.disk.read_bytes_per_s', { device }, 1e5 * (1 + wave));
      rec('host.disk.write_bytes_per_s', { device }, 2e5 * (1 + wave));
    }
    for (const iface of ifaces) {
      rec('host.net.rx_bytes_per_s', { iface }, 5e4 * (1 + wave));
      rec('host.net.tx_bytes_per_s', { iface }, 3e4 * (1 + wave));
    }
    // The top 10 process groups by CPU and by memory of this tick (the set drifts over time).
    for (let i = 0; i < 10; i++) {
      const p = processes[(i + Math.floor(n / 40)) % processes.length]!;
      rec('process.cpu.percent', p, 10 - i + wave);
      rec('process.memory.bytes', processes[i]!, 1e8 * (10 - i));
    }
    containers.forEach((container, i) => {
      rec('docker.container.cpu.percent', { container }, (i % 5) * 3 + wave);
      rec('docker.container.memory.bytes', { container }, 5e7 * (i + 1));
      rec('docker.container.memory.percent', { container }, 10 + i);
      rec('docker.container.running', { container }, 1);
      rec('docker.container.unhealthy', { container }, 0);
      rec('docker.container.restarts', { container }, 0);
    });
    if (n % 4 === 3) {
      store.flush(); // once a minute, as the collector writes
      const nowS = Math.floor(t / 1000);
      rollUp(store, 'm1', nowS - 15, Math.floor(retention.raw / 1000));
      rollUp(store, 'm15', Number(store.meta('rollup.m1') ?? 0), Math.floor(retention.m1 / 1000));
    }
    // The collector prunes every 10 minutes; an hour here keeps the simulation fast (same result).
    if (t - lastMaintenance >= 60 * 60_000) {
      lastMaintenance = t;
      prune(store, retention, t);
      enforceCap(store, retention, t, log);
    }
  }
  store.db.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `simulated ${DAYS} days: ${samples} samples of ${store.seriesCount} series in ${seconds.toFixed(0)} s (${Math.round(samples / seconds)} samples/s)`,
  );
  return { dir, store, now: end };
}

async function main() {
  if (ONLY !== 'history') await collectorCpu();
  if (ONLY === 'collector') return;
  const { dir, store, now } = simulatedDays();
  const file = statSync(join(dir, 'history.db')).size;
  console.log(
    `history database after ${DAYS} days: ${(file / 1e6).toFixed(1)} MB on disk, ${(store.usedBytes() / 1e6).toFixed(1)} MB in use (target < 100 MB)`,
  );
  const timeIt = (fn: () => unknown) => {
    const xs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  const h = timeIt(() =>
    history(store, {
      name: 'host.cpu.percent',
      fromMs: now - 86_400_000,
      toMs: now,
      stepS: 60,
      nowMs: now,
      retention,
      maxPoints: 2000,
      maxSeries: 20,
    }),
  );
  console.log(`history 24 h at 1 min step: median ${h.toFixed(2)} ms (target < 50 ms)`);
  const top = timeIt(() =>
    topConsumers(store, {
      by: 'cpu',
      fromMs: now - 8 * 3_600_000,
      toMs: now,
      nowMs: now,
      retention,
      intervalS: 15,
      limit: 10,
      containers: true,
    }),
  );
  console.log(`top consumers over 8 h: median ${top.toFixed(2)} ms (target < 50 ms)`);
  const week = timeIt(() =>
    history(store, {
      name: 'docker.container.memory.bytes',
      fromMs: now - 7 * 86_400_000,
      toMs: now,
      stepS: 900,
      nowMs: now,
      retention,
      maxPoints: 2000,
      maxSeries: 20,
    }),
  );
  console.log(`history of 20 containers over 7 d at 15 min step: median ${week.toFixed(2)} ms`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();

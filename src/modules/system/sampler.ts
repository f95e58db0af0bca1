import { readFile } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import { loadSysteminformation } from '../../util/lazy-require.ts';
import { CpuLoad } from './cpu-load.ts';
import { NetCounters } from './net-counters.ts';

export interface DiskUsage {
  mount: string;
  fs: string;
  type: string;
  size_bytes: number;
  used_bytes: number;
  used_percent: number;
}

export interface InterfaceRate {
  iface: string;
  state: string;
  rx_bytes: number;
  tx_bytes: number;
  rx_bytes_per_s: number | null;
  tx_bytes_per_s: number | null;
  rx_errors: number;
  tx_errors: number;
}

export interface HostSample {
  sampledAt: number;
  cpuPercent: number;
  memory: { total: number; used: number; available: number; swapTotal: number; swapUsed: number };
  memoryPressure: number | undefined;
  disks: DiskUsage[];
  disksSampledAt: number;
  network: InterfaceRate[];
}

const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'squashfs', 'overlay', 'proc', 'sysfs', 'ramfs', 'efivarfs']);

async function readDisks(): Promise<DiskUsage[]> {
  const all = await loadSysteminformation().fsSize();
  return all
    .filter((d) => !PSEUDO_FS.has(d.type) && d.size > 0)
    .map((d) => ({
      mount: d.mount,
      fs: d.fs,
      type: d.type,
      size_bytes: d.size,
      used_bytes: d.used,
      used_percent: Math.round((d.use ?? 0) * 10) / 10,
    }));
}

/** "some avg10" from /proc/pressure/memory: % of time some task stalled on memory in the last 10 s. */
async function readMemoryPressure(): Promise<number | undefined> {
  try {
    const text = await readFile('/proc/pressure/memory', 'utf8');
    const match = /^some avg10=([\d.]+)/m.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads CPU, memory and network counters on a timer (disks on a slower one),
 * so a status call returns the latest sample instead of waiting for one.
 */
export class HostSampler {
  private latest: HostSample | undefined;
  private disks: DiskUsage[] = [];
  private disksSampledAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private failures = 0;
  private readonly net = new NetCounters();
  private readonly cpu = new CpuLoad();

  private readonly intervalMs: number;
  private readonly diskIntervalMs: number;
  private readonly log: Logger;

  constructor(intervalMs: number, diskIntervalMs: number, log: Logger) {
    this.intervalMs = intervalMs;
    this.diskIntervalMs = diskIntervalMs;
    this.log = log;
  }

  private first: Promise<void> | undefined;

  /**
   * Start sampling in the background; the first sample takes about half a second (CPU needs two readings) and
   * is taken once `after` resolves (the daemon listens: it forks `df` and loads systeminformation).
   */
  start(after: Promise<void> = Promise.resolve()): void {
    this.first = after.then(() => Promise.all([this.sampleFast(), this.sampleDisks()])).then(() => undefined);
    this.timers.push(setInterval(() => void this.sampleFast(), this.intervalMs).unref());
    this.timers.push(setInterval(() => void this.sampleDisks(), this.diskIntervalMs).unref());
  }

  /** The latest sample, waiting for the very first one if it is still being taken. */
  async current(): Promise<HostSample | undefined> {
    if (!this.latest) await this.first;
    return this.latest;
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** Healthy while samples keep arriving. */
  get stale(): boolean {
    return !this.latest || Date.now() - this.latest.sampledAt > this.intervalMs * 3;
  }

  private async readFast() {
    const [cpuPercent, mem, network, pressure] = await Promise.all([
      this.cpu.read(),
      loadSysteminformation().mem(),
      this.net.read(),
      readMemoryPressure(),
    ]);
    return {
      sampledAt: Date.now(),
      cpuPercent,
      memory: {
        total: mem.total,
        used: mem.total - mem.available,
        available: mem.available,
        swapTotal: mem.swaptotal,
        swapUsed: mem.swapused,
      },
      memoryPressure: pressure,
      network,
    };
  }

  private async sampleFast(): Promise<void> {
    try {
      const fast = await this.readFast();
      this.latest = { ...fast, disks: this.disks, disksSampledAt: this.disksSampledAt };
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.log.warn({ err }, 'host sampler failed; retrying');
    }
  }

  private async sampleDisks(): Promise<void> {
    try {
      this.disks = await readDisks();
      this.disksSampledAt = Date.now();
      if (this.latest)
        this.latest = { ...this.latest, disks: this.disks, disksSampledAt: this.disksSampledAt };
    } catch (err) {
      this.log.warn({ err }, 'disk usage sampling failed');
    }
  }
}

import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** Busy and total CPU time since boot, in USER_HZ ticks, from the aggregate `cpu` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * Fields: user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
 * Busy is everything but idle and iowait, as top counts it.
 */
export function parseProcStat(text: string): CpuTimes {
  const line = /^cpu\s+([\d\s]+)$/m.exec(text)?.[1];
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Percent of CPU time busy between two readings, one decimal. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.round(((after.busy - before.busy) / total) * 1000) / 10;
}

/** The window the very first reading measures over (later ones measure since the previous reading). */
const FIRST_WINDOW_MS = 250;

/**
 * The host's CPU load since the previous reading, read from /proc/stat with an asynchronous file read.
 * It replaces systeminformation's currentLoad(), which forks `cat /proc/stat | grep cpu` with execSync on
 * every call: a synchronous fork of the daemon every sample interval, holding every request meanwhile.
 */
export class CpuLoad {
  private last: CpuTimes | undefined;
  private readonly path: string;

  constructor(path = '/proc/stat') {
    this.path = path;
  }

  async read(): Promise<number> {
    let before = this.last;
    if (!before) {
      before = parseProcStat(await readFile(this.path, 'utf8'));
      await delay(FIRST_WINDOW_MS);
    }
    const now = parseProcStat(await readFile(this.path, 'utf8'));
    this.last = now;
    return busyPercent(before, now);
  }
}

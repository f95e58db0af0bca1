import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** The processes of one name and user, added up. */
export interface ProcessGroup {
  name: string;
  user: string;
  pids: number[];
  /** CPU since the previous sample (100 = one core). */
  cpu_percent: number;
  rss_bytes: number;
}

const CLOCK_TICKS = 100; // USER_HZ on every Linux architecture the gateway runs on
const PAGE_SIZE = 4096;
const CHUNK = 200;

function userNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && /^\d+$/.test(uid)) names.set(Number(uid), name);
    }
  } catch {
    // no passwd file: numeric ids are shown
  }
  return names;
}

/**
 * A cheap, repeatable reading of the process table straight from /proc: one stat
 * file and one inode per process, CPU as the share since the previous reading.
 * (systeminformation's processes() forks ps and a shell per process — about half a
 * CPU-second per reading here — fine for one tool call, far too much every 15 s.)
 */
export class ProcessTable {
  private previous = new Map<number, { start: string; ticks: number }>();
  private previousAt = 0;
  private users = userNames();
  private usersReadAt = performance.now();
  private readonly root: string;

  constructor(root = '/proc') {
    this.root = root;
  }

  /** Real elapsed time (the counters are real), whatever clock the caller runs on. */
  async sample(): Promise<ProcessGroup[]> {
    const nowMs = performance.now();
    if (nowMs - this.usersReadAt > 10 * 60_000) {
      this.users = userNames();
      this.usersReadAt = nowMs;
    }
    const pids = readdirSync(this.root).filter((entry) => /^\d+$/.test(entry));
    const wallS = this.previousAt > 0 ? (nowMs - this.previousAt) / 1000 : 0;
    const current = new Map<number, { start: string; ticks: number }>();
    const groups = new Map<string, ProcessGroup>();
    for (let i = 0; i < pids.length; i += CHUNK) {
      if (i > 0) await yieldToLoop();
      for (const entry of pids.slice(i, i + CHUNK)) {
        const pid = Number(entry);
        let stat: string;
        let uid: number;
        try {
          stat = readFileSync(`${this.root}/${entry}/stat`, 'latin1');
          uid = statSync(`${this.root}/${entry}`).uid;
        } catch {
          continue; // it exited between the listing and the read
        }
        const close = stat.lastIndexOf(')');
        const name = stat.slice(stat.indexOf('(') + 1, close);
        const fields = stat.slice(close + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        const start = fields[19] ?? '';
        const rss = Number(fields[21]) * PAGE_SIZE;
        current.set(pid, { start, ticks });
        const before = this.previous.get(pid);
        const used = before && before.start === start ? ticks - before.ticks : 0;
        const cpu = wallS > 0 ? (used / CLOCK_TICKS / wallS) * 100 : 0;
        const user = this.users.get(uid) ?? String(uid);
        const key = `${name}\u0000${user}`;
        const group = groups.get(key);
        if (group) {
          group.pids.push(pid);
          group.cpu_percent += cpu;
          group.rss_bytes += rss;
        } else groups.set(key, { name, user, pids: [pid], cpu_percent: cpu, rss_bytes: rss });
      }
    }
    this.previous = current;
    this.previousAt = nowMs;
    return [...groups.values()];
  }
}

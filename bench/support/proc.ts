import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPU time (user + system, ms) a process has used: a figure that holds up on a busy machine. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
}

/** Resident memory of a process in MB, one decimal. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : Number.NaN;
}

/** The Node flags the systemd unit starts the daemon with, so a bench runs it as production does. */
export function unitNodeFlags(): string[] {
  const unit = readFileSync(join(import.meta.dirname, '..', '..', 'systemd', 'tailwarden.service'), 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  return execStart.slice(1).filter((word) => word.startsWith('--'));
}

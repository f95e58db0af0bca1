import type { HostStatus } from './status.ts';

/**
 * Ranking fleet hosts for a new workload: a pure function of what the hosts
 * report now (fleet status) and, when the metrics history is available, what
 * they did lately. Hosts that cannot take the workload are excluded with why.
 */
export interface Requirements {
  docker: boolean;
  minMemoryBytes?: number;
  minDiskBytes?: number;
  minFreeCpus?: number;
  /** The filesystem that matters (e.g. /var/lib/docker): the mount holding it is judged. */
  diskPath: string;
}

/** What the metrics history says about a host (the Watch module's queries, once it runs). */
export interface HostHistory {
  /** The 95th percentile of the 1-minute load over `window`. */
  loadP95?: number;
  memoryP95Percent?: number;
  /** The span those figures cover, in words (e.g. "the last 24 h"). */
  window: string;
  /** Alerts open on the host now, in words. */
  openAlerts: string[];
}

export interface Candidate {
  host: string;
  docker: boolean;
  status: HostStatus;
  history?: HostHistory;
}

export interface Ranked {
  host: string;
  score: number;
  cpus: number | null;
  load: number;
  free_cpus: number | null;
  free_memory_bytes: number;
  memory_bytes: number;
  free_disk_bytes: number;
  disk_mount: string;
  alerts: string[];
  reasons: string[];
}

export interface Excluded {
  host: string;
  reason: string;
}

const WEIGHTS = { cpu: 0.4, memory: 0.35, disk: 0.25 };
const ALERT_PENALTY = 10;
const MAX_PENALTY = 40;

const clamp = (n: number) => Math.min(1, Math.max(0, n));
const round1 = (n: number) => Math.round(n * 10) / 10;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The mount whose path is the longest whole-segment prefix of `path`. */
export function mountFor<T extends { mount: string }>(disks: readonly T[], path: string): T | undefined {
  const holds = (mount: string) =>
    mount === '/' || path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
  return disks.filter((d) => holds(d.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
}

/** Alerts visible in a live status: failed units, a nearly full disk, memory nearly exhausted. */
function liveAlerts(status: HostStatus): string[] {
  const alerts = (status.failed_units ?? []).map((unit) => `failed unit ${unit}`);
  for (const disk of status.disks ?? [])
    if (disk.used_percent >= 90) alerts.push(`${disk.mount} ${disk.used_percent}% full`);
  if ((status.memory?.used_percent ?? 0) >= 90) alerts.push(`memory ${status.memory!.used_percent}% used`);
  return alerts;
}

function judge(candidate: Candidate, req: Requirements): Ranked | Excluded {
  const { host, status, history } = candidate;
  if (!status.answered) return { host, reason: `did not answer: ${status.error ?? 'no status'}` };
  if (req.docker && !candidate.docker)
    return { host, reason: 'docker is not enabled for it (docker: true in modules.ssh.hosts)' };
  const memory = status.memory;
  const disk = mountFor(status.disks ?? [], req.diskPath);
  if (!memory) return { host, reason: 'it did not report its memory (/proc/meminfo)' };
  if (!disk) return { host, reason: `it reported no filesystem holding ${req.diskPath}` };
  const cpus = status.cpus ?? null;
  const load = Math.max(status.load_average?.m1 ?? 0, status.load_average?.m5 ?? 0);
  const freeCpus = cpus === null ? null : Math.max(0, cpus - load);
  if (req.minMemoryBytes !== undefined && memory.available_bytes < req.minMemoryBytes)
    return {
      host,
      reason: `only ${formatBytes(memory.available_bytes)} memory free (needs ${formatBytes(req.minMemoryBytes)})`,
    };
  if (req.minDiskBytes !== undefined && disk.available_bytes < req.minDiskBytes)
    return {
      host,
      reason: `only ${formatBytes(disk.available_bytes)} free on ${disk.mount} (needs ${formatBytes(req.minDiskBytes)})`,
    };
  if (req.minFreeCpus !== undefined && (freeCpus ?? 0) < req.minFreeCpus)
    return {
      host,
      reason: `${freeCpus === null ? 'an unknown number of' : round1(freeCpus)} cores free (needs ${req.minFreeCpus})`,
    };

  let cpuFree = cpus === null ? 0.5 : clamp((cpus - load) / cpus);
  let memFree = clamp(memory.available_bytes / memory.total_bytes);
  const reasons = [
    cpus === null
      ? `load ${load} (processor count unknown)`
      : `${round1(freeCpus!)} of ${cpus} cores free (load ${load})`,
    `${formatBytes(memory.available_bytes)} of ${formatBytes(memory.total_bytes)} memory free`,
    `${formatBytes(disk.available_bytes)} free on ${disk.mount}`,
  ];
  // A host idle this minute but busy most of the day is judged by the busier figure.
  if (history?.loadP95 !== undefined && cpus !== null) {
    cpuFree = Math.min(cpuFree, clamp((cpus - history.loadP95) / cpus));
    reasons.push(`load ${round1(history.loadP95)} at the 95th percentile over ${history.window}`);
  }
  if (history?.memoryP95Percent !== undefined) {
    memFree = Math.min(memFree, clamp(1 - history.memoryP95Percent / 100));
    reasons.push(
      `memory ${round1(history.memoryP95Percent)}% used at the 95th percentile over ${history.window}`,
    );
  }
  const alerts = [...liveAlerts(status), ...(history?.openAlerts ?? [])];
  reasons.push(alerts.length ? `${alerts.length} alert(s): ${alerts.slice(0, 3).join('; ')}` : 'no alerts');
  const base =
    100 *
    (WEIGHTS.cpu * cpuFree +
      WEIGHTS.memory * memFree +
      WEIGHTS.disk * clamp(disk.available_bytes / disk.size_bytes));
  return {
    host,
    score: round1(Math.max(0, base - Math.min(MAX_PENALTY, ALERT_PENALTY * alerts.length))),
    cpus,
    load,
    free_cpus: freeCpus === null ? null : round1(freeCpus),
    free_memory_bytes: memory.available_bytes,
    memory_bytes: memory.total_bytes,
    free_disk_bytes: disk.available_bytes,
    disk_mount: disk.mount,
    alerts,
    reasons,
  };
}

/** Best first (ties by name, so the same figures always give the same pick). */
export function rankHosts(
  candidates: readonly Candidate[],
  req: Requirements,
): { ranked: Ranked[]; excluded: Excluded[] } {
  const ranked: Ranked[] = [];
  const excluded: Excluded[] = [];
  for (const candidate of candidates) {
    const verdict = judge(candidate, req);
    if ('score' in verdict) ranked.push(verdict);
    else excluded.push(verdict);
  }
  ranked.sort((a, b) => b.score - a.score || a.host.localeCompare(b.host));
  return { ranked, excluded };
}

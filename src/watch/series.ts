import type { Permission } from '../policy/permissions.ts';

/** Which permission a caller needs to read a series, an event or an alert of this area. */
export const AREA_PERMISSION = {
  system: 'system:read',
  docker: 'docker:read',
  tailscale: 'tailscale:read',
  fleet: 'ssh:read',
} as const satisfies Record<string, Permission>;

export type Area = keyof typeof AREA_PERMISSION;

export interface SeriesInfo {
  area: Area;
  unit: '%' | 'bytes' | 'bytes/s' | 'count' | 'load' | 'days' | 'state';
  labels: readonly string[];
  description: string;
}

/**
 * Every series the collector writes. The catalog is closed: a tool or a rule naming
 * anything else is refused with the list, so no caller can invent series.
 */
export const SERIES = {
  'host.cpu.percent': {
    area: 'system',
    unit: '%',
    labels: [],
    description: 'CPU busy, all cores (100 = all)',
  },
  'host.load.1': { area: 'system', unit: 'load', labels: [], description: 'Load average, 1 minute' },
  'host.load.5': { area: 'system', unit: 'load', labels: [], description: 'Load average, 5 minutes' },
  'host.load.15': { area: 'system', unit: 'load', labels: [], description: 'Load average, 15 minutes' },
  'host.memory.used_percent': {
    area: 'system',
    unit: '%',
    labels: [],
    description: 'Memory in use, excluding caches',
  },
  'host.memory.used_bytes': { area: 'system', unit: 'bytes', labels: [], description: 'Memory in use' },
  'host.swap.used_bytes': { area: 'system', unit: 'bytes', labels: [], description: 'Swap in use' },
  'host.psi.cpu.some': {
    area: 'system',
    unit: '%',
    labels: [],
    description: 'Pressure stall: share of the last 10 s some task waited for CPU',
  },
  'host.psi.memory.some': {
    area: 'system',
    unit: '%',
    labels: [],
    description: 'Pressure stall: share of the last 10 s some task waited for memory',
  },
  'host.psi.io.some': {
    area: 'system',
    unit: '%',
    labels: [],
    description: 'Pressure stall: share of the last 10 s some task waited for I/O',
  },
  'host.disk.used_percent': { area: 'system', unit: '%', labels: ['mount'], description: 'File system use' },
  'host.disk.used_bytes': { area: 'system', unit: 'bytes', labels: ['mount'], description: 'Bytes used' },
  'host.disk.inodes_used_percent': {
    area: 'system',
    unit: '%',
    labels: ['mount'],
    description: 'Inodes used',
  },
  'host.disk.read_bytes_per_s': {
    area: 'system',
    unit: 'bytes/s',
    labels: ['device'],
    description: 'Block device reads',
  },
  'host.disk.write_bytes_per_s': {
    area: 'system',
    unit: 'bytes/s',
    labels: ['device'],
    description: 'Block device writes',
  },
  'host.net.rx_bytes_per_s': {
    area: 'system',
    unit: 'bytes/s',
    labels: ['iface'],
    description: 'Bytes received',
  },
  'host.net.tx_bytes_per_s': {
    area: 'system',
    unit: 'bytes/s',
    labels: ['iface'],
    description: 'Bytes sent',
  },
  'process.cpu.percent': {
    area: 'system',
    unit: '%',
    labels: ['name', 'user'],
    description: 'CPU of the processes of one name and user (100 = one core); only the top ones each sample',
  },
  'process.memory.bytes': {
    area: 'system',
    unit: 'bytes',
    labels: ['name', 'user'],
    description: 'Resident memory of the processes of one name and user; only the top ones each sample',
  },
  'systemd.units.failed': { area: 'system', unit: 'count', labels: [], description: 'Units in failed state' },
  'systemd.unit.restarts': {
    area: 'system',
    unit: 'count',
    labels: ['unit'],
    description: 'Automatic restarts of a service (NRestarts), for services that restarted at all',
  },
  'updates.pending': { area: 'system', unit: 'count', labels: [], description: 'Pending package updates' },
  'updates.security_pending': {
    area: 'system',
    unit: 'count',
    labels: [],
    description: 'Pending security updates',
  },
  'tls.days_left': {
    area: 'system',
    unit: 'days',
    labels: ['endpoint'],
    description: 'Days until the certificate of a watched endpoint expires',
  },
  'docker.container.cpu.percent': {
    area: 'docker',
    unit: '%',
    labels: ['container'],
    description: 'Container CPU (100 = one core)',
  },
  'docker.container.memory.bytes': {
    area: 'docker',
    unit: 'bytes',
    labels: ['container'],
    description: 'Container memory without reclaimable cache',
  },
  'docker.container.memory.percent': {
    area: 'docker',
    unit: '%',
    labels: ['container'],
    description: 'Container memory against its limit',
  },
  'docker.container.running': {
    area: 'docker',
    unit: 'state',
    labels: ['container'],
    description: '1 while running, 0 otherwise',
  },
  'docker.container.unhealthy': {
    area: 'docker',
    unit: 'state',
    labels: ['container'],
    description: '1 while its healthcheck says unhealthy, 0 otherwise',
  },
  'docker.container.restarts': {
    area: 'docker',
    unit: 'count',
    labels: ['container'],
    description: 'Restarts the engine counted (RestartCount)',
  },
  'tailscale.peers.online': { area: 'tailscale', unit: 'count', labels: [], description: 'Peers online' },
  'tailscale.peers.total': { area: 'tailscale', unit: 'count', labels: [], description: 'Peers known' },
  'fleet.host.up': {
    area: 'fleet',
    unit: 'state',
    labels: ['host'],
    description: '1 when the fleet host answered over SSH, 0 otherwise',
  },
  'fleet.host.load.1': {
    area: 'fleet',
    unit: 'load',
    labels: ['host'],
    description: 'Fleet host load (1 min)',
  },
  'fleet.host.memory.used_percent': {
    area: 'fleet',
    unit: '%',
    labels: ['host'],
    description: 'Fleet host memory in use',
  },
  'fleet.host.disk.used_percent': {
    area: 'fleet',
    unit: '%',
    labels: ['host', 'mount'],
    description: 'Fleet host file system use',
  },
} as const satisfies Record<string, SeriesInfo>;

export type SeriesName = keyof typeof SERIES;
export const SERIES_NAMES = Object.keys(SERIES) as [SeriesName, ...SeriesName[]];

export function isSeriesName(name: string): name is SeriesName {
  return Object.hasOwn(SERIES, name);
}

export function seriesInfo(name: SeriesName): SeriesInfo {
  return SERIES[name];
}

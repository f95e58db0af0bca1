import { createHash } from 'node:crypto';

/** What the fake Proxmox cluster holds: nodes, guests with configs and snapshots, storages with backups, jobs. */
export interface FakeNode {
  name: string;
  online: boolean;
  maxcpu: number;
  cpu: number;
  maxmem: number;
  mem: number;
  maxdisk: number;
  disk: number;
  uptime: number;
}

export interface FakeSnapshot {
  name: string;
  description: string;
  snaptime: number;
  vmstate: boolean;
  parent?: string;
}

export interface FakeGuest {
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  status: 'running' | 'stopped';
  /** QEMU: paused by suspend. */
  paused: boolean;
  template: boolean;
  pool?: string;
  lock?: string;
  maxcpu: number;
  cpu: number;
  maxmem: number;
  mem: number;
  maxdisk: number;
  disk: number;
  uptime: number;
  /** The config file: name (qemu) or hostname (lxc), memory, cores, tags, description… */
  config: Record<string, string | number>;
  snapshots: FakeSnapshot[];
  /** The snapshot the current state was taken after. */
  parent?: string;
}

export interface FakeVolume {
  volid: string;
  vmid: number;
  subtype: 'qemu' | 'lxc';
  ctime: number;
  size: number;
  format: string;
  notes?: string;
  protected?: boolean;
  /** For a local storage: the node the file is on. */
  node?: string;
}

export interface FakeStorage {
  storage: string;
  type: string;
  content: string;
  shared: boolean;
  nodes: string[];
  total: number;
  used: number;
  volumes: FakeVolume[];
}

export interface FakeState {
  clusterName: string | undefined;
  version: string;
  nodes: FakeNode[];
  guests: Map<number, FakeGuest>;
  storages: FakeStorage[];
  jobs: Record<string, unknown>[];
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const DAY = 86_400;

/** The config digest: SHA-1 over the config as written (Proxmox digests the file). */
export function configDigest(guest: FakeGuest): string {
  const text = Object.keys(guest.config)
    .sort()
    .map((k) => `${k}: ${guest.config[k]}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

export function guestName(guest: FakeGuest): string {
  return String(
    guest.type === 'qemu'
      ? (guest.config.name ?? `VM ${guest.vmid}`)
      : (guest.config.hostname ?? `CT${guest.vmid}`),
  );
}

function node(name: string, online = true): FakeNode {
  return {
    name,
    online,
    maxcpu: 16,
    cpu: 0.12,
    maxmem: 64 * GiB,
    mem: 20 * GiB,
    maxdisk: 100 * GiB,
    disk: 30 * GiB,
    uptime: 12 * DAY,
  };
}

function guest(
  vmid: number,
  type: 'qemu' | 'lxc',
  nodeName: string,
  name: string,
  running: boolean,
  extra: Partial<FakeGuest> & { tags?: string } = {},
): FakeGuest {
  const { tags, ...rest } = extra;
  const config: Record<string, string | number> =
    type === 'qemu'
      ? {
          name,
          memory: 4096,
          cores: 2,
          sockets: 1,
          ostype: 'l26',
          scsi0: `local-lvm:vm-${vmid}-disk-0,size=32G`,
          net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
          onboot: 1,
        }
      : {
          hostname: name,
          memory: 1024,
          swap: 512,
          cores: 1,
          ostype: 'debian',
          rootfs: `local-lvm:vm-${vmid}-disk-0,size=8G`,
          net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
          unprivileged: 1,
        };
  if (tags) config.tags = tags;
  return {
    vmid,
    type,
    node: nodeName,
    status: running ? 'running' : 'stopped',
    paused: false,
    template: false,
    maxcpu: Number(config.cores),
    cpu: running ? 0.05 : 0,
    maxmem: Number(config.memory) * MiB,
    mem: running ? Number(config.memory) * MiB * 0.4 : 0,
    maxdisk: (type === 'qemu' ? 32 : 8) * GiB,
    disk: type === 'qemu' ? 0 : running ? 2 * GiB : 0,
    uptime: running ? 3 * DAY : 0,
    config,
    snapshots: [],
    ...rest,
  };
}

function backup(
  storage: string,
  vmid: number,
  subtype: 'qemu' | 'lxc',
  ctime: number,
  extra: Partial<FakeVolume> = {},
): FakeVolume {
  const d = new Date(ctime * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}-${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}`;
  const volid =
    storage === 'pbs'
      ? `pbs:backup/${subtype === 'qemu' ? 'vm' : 'ct'}/${vmid}/${d.toISOString().replace(/\.\d{3}Z$/, 'Z')}`
      : `${storage}:backup/vzdump-${subtype}-${vmid}-${stamp}.${subtype === 'qemu' ? 'vma.zst' : 'tar.zst'}`;
  return {
    volid,
    vmid,
    subtype,
    ctime,
    size: 2 * GiB,
    format:
      storage === 'pbs'
        ? `pbs-${subtype === 'qemu' ? 'vm' : 'ct'}`
        : subtype === 'qemu'
          ? 'vma.zst'
          : 'tar.zst',
    ...extra,
  };
}

/**
 * A small homelab: two nodes (pve1, pve2), the gateway's own container 100,
 * Home Assistant (101), a media VM (102, stopped), a tools container (105), a
 * template (9000); local storages per node, LVM-thin, and a shared Proxmox
 * Backup Server; one backup job that covers 101 and 105.
 */
export function fixtureState(now = Math.floor(Date.now() / 1000)): FakeState {
  const guests = [
    guest(100, 'lxc', 'pve1', 'tailwarden', true, { tags: 'tailwarden' }),
    guest(101, 'qemu', 'pve1', 'homeassistant', true, {
      tags: 'prod;ha',
      snapshots: [
        {
          name: 'before_2025_12',
          description: 'before the December update',
          snaptime: now - 40 * DAY,
          vmstate: false,
        },
      ],
      parent: 'before_2025_12',
    }),
    guest(102, 'qemu', 'pve2', 'media', false, { tags: 'media' }),
    guest(105, 'lxc', 'pve2', 'nas-tools', true, { tags: 'prod' }),
    guest(9000, 'qemu', 'pve2', 'debian-template', false, { template: true }),
  ];
  guests[1]!.config.cipassword = '**********';
  return {
    clusterName: 'homelab',
    version: '8.4.1',
    nodes: [node('pve1'), node('pve2')],
    guests: new Map(guests.map((g) => [g.vmid, g])),
    storages: [
      {
        storage: 'local',
        type: 'dir',
        content: 'backup,iso,vztmpl',
        shared: false,
        nodes: ['pve1', 'pve2'],
        total: 100 * GiB,
        used: 40 * GiB,
        volumes: [backup('local', 105, 'lxc', now - 2 * DAY, { node: 'pve2', notes: 'nightly' })],
      },
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        content: 'images,rootdir',
        shared: false,
        nodes: ['pve1', 'pve2'],
        total: 400 * GiB,
        used: 120 * GiB,
        volumes: [],
      },
      {
        storage: 'pbs',
        type: 'pbs',
        content: 'backup',
        shared: true,
        nodes: ['pve1', 'pve2'],
        total: 2000 * GiB,
        used: 1750 * GiB,
        volumes: [
          backup('pbs', 101, 'qemu', now - 1 * DAY, { notes: 'homeassistant nightly' }),
          backup('pbs', 101, 'qemu', now - 8 * DAY, { protected: true }),
          backup('pbs', 105, 'lxc', now - 20 * DAY),
        ],
      },
    ],
    jobs: [
      {
        id: 'backup-6a1c2f3e-0001',
        type: 'vzdump',
        enabled: 1,
        schedule: '02:00',
        storage: 'pbs',
        vmid: '101,105',
        mode: 'snapshot',
        compress: 'zstd',
        'next-run': now + DAY / 2,
      },
    ],
  };
}

/** `guests` guests spread over `nodes` nodes, for the benchmark (a third containers, a quarter stopped). */
export function generatedState(nodes: number, guests: number): FakeState {
  const state = fixtureState();
  state.nodes = Array.from({ length: nodes }, (_, i) => node(`pve${i + 1}`));
  state.guests = new Map();
  for (let i = 0; i < guests; i++) {
    const vmid = 100 + i;
    const type = i % 3 === 0 ? 'lxc' : 'qemu';
    const g = guest(
      vmid,
      type,
      `pve${(i % nodes) + 1}`,
      `${type === 'lxc' ? 'ct' : 'vm'}-${String(i).padStart(3, '0')}`,
      i % 4 !== 0,
      {
        tags: ['prod', 'dev;test', 'media', ''][i % 4],
        cpu: (i % 17) / 100,
      },
    );
    state.guests.set(vmid, g);
  }
  return state;
}

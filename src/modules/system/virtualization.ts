import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Virtualization {
  kind: 'bare-metal' | 'vm' | 'lxc' | 'container';
  /** e.g. kvm, qemu, vmware, lxc, docker, podman (as systemd-detect-virt names them). */
  technology: string | undefined;
  /** The Proxmox VE container id, when this is a Proxmox LXC container. */
  proxmox_ct_id: number | undefined;
}

const CONTAINER_TECH = new Set([
  'lxc',
  'lxc-libvirt',
  'docker',
  'podman',
  'openvz',
  'systemd-nspawn',
  'rkt',
  'wsl',
  'proot',
  'pouch',
]);
const DMI_VENDORS: [RegExp, string][] = [
  [/qemu|kvm|proxmox/i, 'kvm'],
  [/vmware/i, 'vmware'],
  [/virtualbox|innotek/i, 'oracle'],
  [/microsoft/i, 'microsoft'],
  [/xen/i, 'xen'],
  [/amazon ec2/i, 'amazon'],
  [/google/i, 'google'],
];

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** Proxmox names CT root volumes `vm-<id>-disk-N` (LVM) or `subvol-<id>-disk-N` (ZFS/dir). */
export function proxmoxIdFromMountinfo(mountinfo: string): number | undefined {
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] !== '/') continue;
    const source = fields.slice(fields.indexOf('-') + 1).join(' ');
    const match = /(?:vm|subvol)-{1,2}(\d{3,9})-{1,2}disk/.exec(source);
    if (match) return Number(match[1]);
  }
  return undefined;
}

async function detectTechnology(): Promise<string | undefined> {
  try {
    const { stdout } = await run('systemd-detect-virt', [], { timeout: 3000 });
    const tech = stdout.trim();
    return tech && tech !== 'none' ? tech : undefined;
  } catch (error) {
    // exit status 1 with "none" means bare metal; ENOENT means we must look ourselves
    const out = (error as { stdout?: string }).stdout?.trim();
    if (out === 'none') return undefined;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && out) return out;
  }
  const container = (await readText('/run/systemd/container')).trim();
  if (container) return container;
  const environ = await readText('/proc/1/environ');
  const fromEnv = /(?:^|\0)container=([^\0]+)/.exec(environ)?.[1];
  if (fromEnv) return fromEnv;
  if (
    await readFile('/.dockerenv').then(
      () => true,
      () => false,
    )
  )
    return 'docker';
  const cpuinfo = await readText('/proc/cpuinfo');
  if (/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) {
    const vendor = `${await readText('/sys/class/dmi/id/sys_vendor')} ${await readText('/sys/class/dmi/id/product_name')}`;
    return DMI_VENDORS.find(([re]) => re.test(vendor))?.[1] ?? 'vm-other';
  }
  return undefined;
}

export async function detectVirtualization(): Promise<Virtualization> {
  const technology = await detectTechnology();
  const kind = !technology
    ? 'bare-metal'
    : technology.startsWith('lxc')
      ? 'lxc'
      : CONTAINER_TECH.has(technology)
        ? 'container'
        : 'vm';
  const proxmox_ct_id =
    kind === 'lxc' ? proxmoxIdFromMountinfo(await readText('/proc/self/mountinfo')) : undefined;
  return { kind, technology, proxmox_ct_id };
}

import { readdir, readFile } from 'node:fs/promises';
import { arch, hostname, release } from 'node:os';

export interface OsFacts {
  hostname: string;
  distro: string;
  release: string;
  codename: string;
  kernel: string;
  arch: string;
}

/** The release files systeminformation's osInfo reads, in its order (later keys win). */
async function releaseFiles(): Promise<string[]> {
  const etc = (await readdir('/etc').catch(() => [] as string[]))
    .filter((name) => name.endsWith('-release'))
    .sort()
    .map((name) => `/etc/${name}`);
  return [...etc, '/usr/lib/os-release', '/etc/openwrt_release'];
}

/**
 * The operating system as systeminformation's osInfo() reports it (same fields, same rules), read from the
 * release files directly: osInfo runs several commands (cat, the machine id, UEFI checks), and the gateway
 * reads this while it starts.
 */
export async function readOsFacts(): Promise<OsFacts> {
  const values: Record<string, string> = {};
  for (const file of await releaseFiles()) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) values[line.slice(0, eq).trim().toUpperCase()] = line.split('=')[1]!.trim();
    }
  }
  const unquote = (value: string | undefined) => (value ?? '').replace(/"/g, '');
  const distro = unquote(values.DISTRIB_ID || values.NAME || 'unknown');
  let version = unquote(values.VERSION);
  let codename = unquote(values.DISTRIB_CODENAME || values.VERSION_CODENAME);
  const pretty = unquote(values.PRETTY_NAME);
  if (pretty.startsWith(`${distro} `)) version = pretty.slice(distro.length + 1).trim();
  if (version.includes('(')) {
    codename = version.split('(')[1]!.replace(/[()]/g, '').trim();
    version = version.split('(')[0]!.trim();
  }
  return {
    hostname: hostname(),
    distro,
    release: unquote(version || values.DISTRIB_RELEASE || values.VERSION_ID || 'unknown'),
    codename,
    kernel: release(),
    arch: arch(),
  };
}

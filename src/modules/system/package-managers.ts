import { GatewayError } from '../../errors.ts';
import type { CommandRunner, RunOptions } from './runner.ts';

export type PackageManager = 'apt' | 'dnf' | 'apk';

export interface PendingUpdate {
  name: string;
  current: string | null;
  available: string;
  source: string;
  security: boolean;
}

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
}

const PROBES: [PackageManager, string[]][] = [
  ['apt', ['apt-get', '--version']],
  ['dnf', ['dnf', '--version']],
  ['apk', ['apk', '--version']],
];

/** The first package manager that runs on the host. */
export async function detectPackageManager(
  runner: CommandRunner,
  options: RunOptions,
): Promise<PackageManager> {
  for (const [manager, argv] of PROBES) {
    try {
      const result = await runner.run(argv, { ...options, outputCap: 4096 });
      if (result.code === 0) return manager;
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'ERR_UPSTREAM_UNAVAILABLE') throw error;
    }
  }
  throw new GatewayError(
    'ERR_UPSTREAM_UNAVAILABLE',
    'No supported package manager (apt, dnf, apk) was found on this host.',
  );
}

/** `apt list --upgradable`: "name/suite[,suite] new arch [upgradable from: old]". */
export function parseAptUpgradable(text: string): PendingUpdate[] {
  const out: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^\s/]+)\/(\S+) (\S+) \S+(?: \[upgradable from: ([^\]]+)\])?/.exec(line);
    if (!m) continue;
    out.push({
      name: m[1]!,
      available: m[3]!,
      current: m[4] ?? null,
      source: m[2]!,
      security: m[2]!.split(',').some((s) => /-security\b|security/i.test(s)),
    });
  }
  return out;
}

/** `dnf -q check-update`: "name.arch  version  repo" (exit 100 when updates exist). */
export function parseDnfCheckUpdate(text: string, securityNames: ReadonlySet<string>): PendingUpdate[] {
  const out: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\.(\w+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (!m || line.startsWith('Obsoleting')) continue;
    out.push({
      name: m[1]!,
      current: null,
      available: m[3]!,
      source: m[4]!,
      security: securityNames.has(m[1]!),
    });
  }
  return out;
}

/** `dnf -q updateinfo list --security`: "ADVISORY  severity/Sec.  name-version.arch". */
export function parseDnfSecurity(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const nevra = line.trim().split(/\s+/).at(-1) ?? '';
    const m = /^(.+)-[^-]+-[^-]+\.\w+$/.exec(nevra);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** `apk -u list`: "name-ver-rN arch {origin} (license) [upgradable from: name-old-rN]". */
export function parseApkUpgradable(text: string): PendingUpdate[] {
  const out: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)-(\d[^\s-]*-r\d+) \S+ \{([^}]*)\}.*?\[upgradable from: \S+?-(\d[^\s-]*-r\d+)\]/.exec(
      line,
    );
    if (m) out.push({ name: m[1]!, available: m[2]!, current: m[4]!, source: m[3]!, security: false });
  }
  return out;
}

/** Tab-separated "name version arch" lines (dpkg-query/rpm formats we ask for). */
export function parseTabbed(text: string): InstalledPackage[] {
  return text
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 3 && f[0])
    .map(([name, version, arch]) => ({ name: name!, version: version!, arch: arch! }));
}

/** `apk info -v`: "name-ver-rN". */
export function parseApkInfo(text: string): InstalledPackage[] {
  return text.split('\n').flatMap((line) => {
    const m = /^(\S+)-(\d[^\s-]*-r\d+)$/.exec(line.trim());
    return m ? [{ name: m[1]!, version: m[2]!, arch: '' }] : [];
  });
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+._-]{0,127}(?:=[A-Za-z0-9.+~:_-]{1,100})?$/;

/** Why apt would read this argument as something other than "this package" (undefined when it would not). */
function packageNameProblem(name: string): string | undefined {
  if (!PACKAGE_NAME.test(name)) return 'not a package name';
  // apt-get reads a trailing "-" as "remove" and "+" as "install", even inside install and remove.
  if (/[+-]$/.test(name)) return 'ends with "+" or "-", which apt reads as "install"/"remove" instead';
  if (/\.(deb|dsc|changes)$/.test(name)) return 'names a package file, not a package';
  return undefined;
}

/**
 * Package names as Debian/RPM/Alpine allow them, optionally pinned with =version; nothing that
 * looks like an option, a file, or a name apt would turn into the opposite action.
 */
export function checkPackageNames(names: readonly string[]): string[] {
  const bad = names.flatMap((n) => {
    const problem = packageNameProblem(n);
    return problem ? [`${JSON.stringify(n.length > 100 ? `${n.slice(0, 100)}…` : n)} (${problem})`] : [];
  });
  if (bad.length)
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `Not valid package names: ${bad.join(', ')}. Use names like "nginx" or "curl=7.88.1-10" (lower-case letters, digits, + . - _; not ending in + or -). A package whose name ends in + (g++) is installed with its version pinned (g++=4:12.2.0-3).`,
    );
  return [...new Set(names)];
}

/** Packages apt reports as set up or removed ("Setting up x (1.2) ...", "Removing x (1.2) ..."). */
export function parseAptChanges(
  output: string,
): { name: string; version: string; action: 'installed' | 'removed' }[] {
  const out: { name: string; version: string; action: 'installed' | 'removed' }[] = [];
  for (const line of output.split('\n')) {
    const m = /^(Setting up|Removing) ([^\s:]+)(?::\S+)? \(([^)]+)\)/.exec(line);
    if (m) out.push({ name: m[2]!, version: m[3]!, action: m[1] === 'Removing' ? 'removed' : 'installed' });
  }
  return out;
}

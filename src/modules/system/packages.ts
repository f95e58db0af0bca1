import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { type AptAction, aptCommand, aptFailure, sudoMissing } from './apt-commands.ts';
import { type SystemContext, systemTool } from './context.ts';
import {
  checkPackageNames,
  detectPackageManager,
  type PendingUpdate,
  parseApkInfo,
  parseApkUpgradable,
  parseAptChanges,
  parseAptUpgradable,
  parseDnfCheckUpdate,
  parseDnfSecurity,
  parseTabbed,
} from './package-managers.ts';
import { commandFailure } from './systemd.ts';

type Ctx = ToolContext & SystemContext;
type RunCtx = Pick<Ctx, 'system' | 'signal'>;
const quick = (ctx: RunCtx) => ({
  timeoutMs: ctx.system.config.command_timeout,
  signal: ctx.signal,
  outputCap: ctx.system.config.output_cap,
});
const long = (ctx: RunCtx) => ({ ...quick(ctx), timeoutMs: ctx.system.config.package_timeout });

/** Run one apt-get change, through `sudo -n` when modules.system.package_sudo is on. */
async function runApt(
  ctx: RunCtx,
  action: AptAction,
  packages: readonly string[],
  onLine?: (line: string) => void,
) {
  const sudo = ctx.system.config.package_sudo;
  const argv = aptCommand(action, packages, sudo);
  try {
    return { sudo, result: await ctx.system.runner.run(argv, { ...long(ctx), onLine }) };
  } catch (error) {
    throw sudoMissing(error);
  }
}

const update = z.object({
  name: z.string(),
  current: z.string().nullable(),
  available: z.string(),
  source: z.string(),
  security: z.boolean(),
});

/** Pending updates (security ones marked) as the host's package manager reports them; also read by the watch collector. */
export async function pendingUpdates(ctx: RunCtx, refresh = false) {
  const { runner } = ctx.system;
  const manager = await detectPackageManager(runner, quick(ctx));
  let updates: PendingUpdate[];
  if (manager === 'apt') {
    if (refresh) {
      const { sudo, result } = await runApt(ctx, 'update', []);
      if (result.code !== 0) throw aptFailure('apt-get update', result, sudo);
    }
    const r = await runner.run(['apt', 'list', '--upgradable'], quick(ctx));
    if (r.code !== 0) throw commandFailure('apt list --upgradable', r);
    updates = parseAptUpgradable(r.stdout);
  } else if (manager === 'dnf') {
    const r = await runner.run(['dnf', '-q', refresh ? '--refresh' : '-C', 'check-update'], long(ctx));
    if (r.code !== 0 && r.code !== 100) throw commandFailure('dnf check-update', r);
    const sec = await runner.run(['dnf', '-q', '-C', 'updateinfo', 'list', '--security'], quick(ctx));
    updates = parseDnfCheckUpdate(r.stdout, sec.code === 0 ? parseDnfSecurity(sec.stdout) : new Set());
  } else {
    if (refresh) {
      const r = await runner.run(['apk', 'update'], long(ctx));
      if (r.code !== 0) throw commandFailure('apk update', r);
    }
    const r = await runner.run(['apk', '-u', 'list'], quick(ctx));
    if (r.code !== 0) throw commandFailure('apk -u list', r);
    updates = parseApkUpgradable(r.stdout);
  }
  return {
    manager,
    updates,
    count: updates.length,
    security_count: updates.filter((u) => u.security).length,
  };
}

export const packagesCheck = systemTool({
  name: 'system_packages_check',
  title: 'System: Check for package updates',
  description:
    'Pending package updates (apt, dnf or apk), with security updates marked. With refresh, the package index is updated first (apt-get update / dnf makecache / apk update).',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    refresh: z.boolean().default(false).describe('Refresh the package index before checking'),
    format: formatArg,
  }),
  output: z.object({
    manager: z.string(),
    updates: z.array(update),
    count: z.number().int(),
    security_count: z.number().int(),
  }),
  handler: ({ refresh }, ctx) => pendingUpdates(ctx, refresh),
});

export const packagesList = systemTool({
  name: 'system_packages_list',
  title: 'System: Installed packages',
  description: 'Installed packages (name, version, architecture), optionally only names containing a text.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    contains: z.string().max(100).optional().describe('Only packages whose name contains this'),
    limit: z.number().int().min(1).max(10_000).default(500).describe('At most this many packages'),
    format: formatArg,
  }),
  output: z.object({
    manager: z.string(),
    packages: z.array(z.object({ name: z.string(), version: z.string(), arch: z.string() })),
    total: z.number().int(),
    truncated: z.boolean(),
  }),
  handler: async ({ contains, limit }, ctx) => {
    const { runner } = ctx.system;
    const manager = await detectPackageManager(runner, quick(ctx));
    const opts = { ...quick(ctx), outputCap: 16 * 1024 * 1024 };
    const argv =
      manager === 'apt'
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
          ['dpkg-query', '-W', '-f=${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n']
        : manager === 'dnf'
          ? ['rpm', '-qa', '--qf', '%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n']
          : ['apk', 'info', '-v'];
    const r = await runner.run(argv, opts);
    if (r.code !== 0) throw commandFailure(argv[0]!, r);
    const all =
      manager === 'apt'
        ? parseTabbed(
            r.stdout
              .split('\n')
              .filter((l) => l.startsWith('ii'))
              .map((l) => l.slice(l.indexOf('\t') + 1))
              .join('\n'),
          )
        : manager === 'dnf'
          ? parseTabbed(r.stdout)
          : parseApkInfo(r.stdout);
    const matched = all
      .filter((p) => !contains || p.name.includes(contains))
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      manager,
      packages: matched.slice(0, limit),
      total: matched.length,
      truncated: matched.length > limit,
    };
  },
});

const changeOutput = z.object({
  manager: z.string(),
  exit_code: z.number().nullable(),
  changes: z.array(z.object({ name: z.string(), version: z.string(), action: z.string() })),
  output: z.string().describe('The command output, capped'),
  output_truncated: z.boolean(),
});

/** Refresh the index, then run a long apt command, streaming its lines as progress notifications. */
async function runAptChange(ctx: Ctx, action: AptAction, packages: readonly string[] = []) {
  const what = `apt-get ${action}`;
  aptCommand(action, packages); // bad package names are refused before anything runs
  const { runner } = ctx.system;
  const manager = await detectPackageManager(runner, quick(ctx));
  if (manager !== 'apt')
    throw new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `${what} is supported with apt only; this host uses ${manager} (checking and listing work there).`,
    );
  await ctx.progress({ progress: 0, message: 'apt-get update' });
  const refresh = await runApt(ctx, 'update', []);
  if (refresh.result.code !== 0) throw aptFailure('apt-get update', refresh.result, refresh.sudo);
  let lines = 0;
  let pending = Promise.resolve();
  const { sudo, result: r } = await runApt(ctx, action, packages, (line) => {
    lines++;
    if (line.trim())
      pending = pending.then(() => ctx.progress({ progress: lines, message: line.slice(0, 200) }));
  });
  await pending.catch(() => undefined);
  const output = `${r.stdout}${r.stderr ? `\n--- stderr ---\n${r.stderr}` : ''}`;
  if (r.code !== 0) {
    const failure = aptFailure(what, r, sudo);
    throw new GatewayError(failure.code, failure.message, {
      cause: failure,
      details: { output: output.slice(-4000) },
    });
  }
  return {
    manager,
    exit_code: r.code,
    changes: parseAptChanges(r.stdout),
    output,
    output_truncated: r.truncated,
  };
}

const namesArg = z
  .array(z.string().min(1).max(230))
  .min(1)
  .max(50)
  .describe('Package names, optionally pinned as name=version');

export const packagesUpgrade = systemTool({
  name: 'system_packages_upgrade',
  title: 'System: Upgrade all packages',
  description:
    'Refresh the index and upgrade every installed package (apt-get update && apt-get upgrade, non-interactive, existing config files kept). Streams progress; returns the packages changed and the output.',
  permission: 'system:admin',
  risk: 'critical',
  input: z.object({}),
  output: changeOutput,
  summarize: () => 'Upgrade all packages on this host (apt-get update, then apt-get upgrade).',
  handler: (_input, ctx) => runAptChange(ctx, 'upgrade'),
});

export const packagesInstall = systemTool({
  name: 'system_packages_install',
  title: 'System: Install packages',
  description:
    'Install the named packages with apt (non-interactive). Streams progress; returns the packages changed.',
  permission: 'system:admin',
  risk: 'critical',
  input: z.object({ packages: namesArg }),
  output: changeOutput,
  summarize: ({ packages }) => `Install ${packages.join(', ')} on this host.`,
  validate: ({ packages }) => void checkPackageNames(packages),
  handler: ({ packages }, ctx) => runAptChange(ctx, 'install', packages),
});

export const packagesRemove = systemTool({
  name: 'system_packages_remove',
  title: 'System: Remove packages',
  description: 'Remove the named packages with apt (configuration files kept). Returns the packages changed.',
  permission: 'system:admin',
  risk: 'critical',
  input: z.object({ packages: namesArg }),
  output: changeOutput,
  summarize: ({ packages }) => `Remove ${packages.join(', ')} from this host.`,
  validate: ({ packages }) => void checkPackageNames(packages),
  handler: ({ packages }, ctx) => runAptChange(ctx, 'remove', packages),
});

export const packageTools = [packagesCheck, packagesList, packagesUpgrade, packagesInstall, packagesRemove];

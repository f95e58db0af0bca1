import { GatewayError } from '../../errors.ts';
import { checkPackageNames } from './package-managers.ts';
import type { RunResult } from './runner.ts';
import { commandFailure } from './systemd.ts';

/** The apt-get changes the package tools make; each has exactly one argv shape (sudoers matches it). */
export type AptAction = 'update' | 'upgrade' | 'install' | 'remove';

/**
 * Fixed, not taken from the caller. Under sudo they are set by `/usr/bin/env` inside the allowed command rather
 * than kept from the gateway's environment: debconf evaluates DEBIAN_FRONTEND as Perl code when it loads the
 * frontend, so letting the gateway's user choose its value (sudoers env_keep) would let it run code as root.
 */
export const APT_ENV = ['DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=a'] as const;

/** Non-interactive, keep existing config files, wait up to 60 s for the dpkg lock. */
export const APT_OPTIONS = [
  '-q',
  '-y',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
  '-o',
  'DPkg::Lock::Timeout=60',
] as const;

const VERBS: Record<AptAction, string[]> = {
  update: ['update'],
  upgrade: ['upgrade'],
  install: ['install', '--no-install-recommends', '--'],
  remove: ['remove', '--'],
};

/**
 * The argv for one apt-get change. With sudo it is `sudo -n /usr/bin/env <APT_ENV> /usr/bin/apt-get ...`, exactly
 * the forms systemd/sudoers.d/tailwarden allows (absolute paths: sudoers matches the full path). Without sudo the
 * gateway must already be root. Package names are validated here, and come after `--`, so none can be an option.
 */
export function aptCommand(action: AptAction, packages: readonly string[] = [], sudo = false): string[] {
  const takesNames = action === 'install' || action === 'remove';
  if (takesNames !== packages.length > 0)
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      takesNames
        ? `apt-get ${action} needs at least one package name.`
        : `apt-get ${action} takes no package names.`,
    );
  const tail = [...APT_OPTIONS, ...VERBS[action], ...(takesNames ? checkPackageNames(packages) : [])];
  return sudo
    ? ['sudo', '-n', '/usr/bin/env', ...APT_ENV, '/usr/bin/apt-get', ...tail]
    : ['env', ...APT_ENV, 'apt-get', ...tail];
}

const SUDO_RULE_MISSING =
  /^sudo: (a password is required|a terminal is required)|is not allowed to (run sudo|execute)/m;
const SUDO_SANDBOXED =
  /^sudo: (The "no new privileges" flag is set|effective uid is not 0|.*must be owned by uid 0 and have the setuid bit)/m;
const APT_NOT_ROOT = /are you root\?|Could not open lock file.*Permission denied|Permission denied/i;

/** A failed apt-get command as a GatewayError that says what to change (sudo rule, unit drop-in, config). */
export function aptFailure(what: string, result: RunResult, sudo: boolean): GatewayError {
  const text = `${result.stderr}\n${result.stdout}`;
  // sudo may also warn (e.g. "unable to resolve host"): quote the line that says why it refused.
  const lineOf = (pattern: RegExp) =>
    text
      .split('\n')
      .find((line) => pattern.test(line))
      ?.slice(0, 300);
  let sudoLine = sudo ? lineOf(SUDO_RULE_MISSING) : undefined;
  if (sudoLine)
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what}: sudo refused to run apt-get for the gateway's user (${sudoLine}). Run \`install.sh --enable-admin-actions\` (it installs /etc/sudoers.d/tailwarden), or add the rules from systemd/sudoers.d/tailwarden yourself and check them with \`visudo -c\`.`,
    );
  sudoLine = sudo ? lineOf(SUDO_SANDBOXED) : undefined;
  if (sudoLine)
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what}: sudo cannot become root inside the service's sandbox (${sudoLine}). Run \`install.sh --enable-admin-actions\`, which adds the drop-in tailwarden.service.d/admin.conf (NoNewPrivileges=no and the rest), then restart tailwarden.`,
    );
  if (!sudo && APT_NOT_ROOT.test(text))
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what}: apt-get needs root and the gateway does not run as root. Set modules.system.package_sudo: true (TAILWARDEN_MODULES_SYSTEM_PACKAGE_SUDO=true) with the sudoers rules that \`install.sh --enable-admin-actions\` installs.`,
    );
  return commandFailure(what, result);
}

/** sudo itself missing: say so, rather than "sudo is not installed" with no way forward. */
export function sudoMissing(error: unknown): unknown {
  if (
    error instanceof GatewayError &&
    error.code === 'ERR_UPSTREAM_UNAVAILABLE' &&
    /^sudo\b/.test(error.message)
  )
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      'modules.system.package_sudo is on but sudo is not installed on this host: install it (apt-get install sudo), then run `install.sh --enable-admin-actions` for the sudoers rules.',
      { cause: error },
    );
  return error;
}

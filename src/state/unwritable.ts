import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.ts';

const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * Turn "read-only file system" and permission errors on the state directory or the audit file into an
 * error that names the path and what to check, instead of a bare `EROFS: …, chmod`. The daemon cannot
 * run without writing either (tokens, approvals, the audit chain), so it refuses to start.
 */
export function explainUnwritable(error: unknown, path: string, what: string): unknown {
  const code = unwritableCode(error, path);
  if (code === undefined) return error;
  const reason = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user';
  return new GatewayError(
    'ERR_STATE_UNAVAILABLE',
    `${what} ${path} ${reason} (${code}). tailwarden must write it; check the mount, the owner ` +
      '(the tailwarden user), and ReadWritePaths= in the systemd unit, or point state_dir/audit.file elsewhere.',
    { cause: error },
  );
}

/**
 * The errno behind the failure. SQLite only says "unable to open database file", and a recursive mkdir
 * on a read-only mount says ENOENT, so probe the nearest existing directory at or above the path then.
 */
function unwritableCode(error: unknown, path: string): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && UNWRITABLE.has(code)) return code;
  let probe = path;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    accessSync(probe, constants.W_OK);
    return undefined;
  } catch (failure) {
    const probeCode = (failure as NodeJS.ErrnoException).code;
    return probeCode !== undefined && UNWRITABLE.has(probeCode) ? probeCode : undefined;
  }
}

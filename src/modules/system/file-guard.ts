import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { GatewayError } from '../../errors.ts';
import { compileGlob, type Glob } from '../../util/glob.ts';

/** A path that passed the guard: its real location and the root it lies under. */
export interface GuardedPath {
  real: string;
  root: string;
  stats: Stats;
}

/** True when `path` is `root` or lies below it, compared by whole path segments. */
export function isUnder(path: string, root: string): boolean {
  if (path === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.startsWith(prefix);
}

/**
 * Decides whether a file may be read. The decision is made on the real path
 * (symlinks resolved), segment by segment, so `/var/logX` is not under
 * `/var/log` and a link out of a root is refused; a deny list of secret-looking
 * names applies even inside roots. Opened files are re-checked through
 * /proc/self/fd so a path swapped between check and open is still refused.
 */
export class FileGuard {
  private readonly roots: readonly string[];
  // Matched against every directory entry a search walks: names anyone who can write under a
  // root chooses, so linear glob matching rather than a RegExp built from the pattern.
  private readonly deny: readonly Glob[];

  constructor(roots: readonly string[], deny: readonly string[]) {
    this.roots = roots.map((r) => resolve(r));
    this.deny = deny.map((pattern) => compileGlob(pattern, { ignoreCase: true }));
  }

  get configuredRoots(): readonly string[] {
    return this.roots;
  }

  /** The deny pattern a single name matches, if any. */
  deniedName(name: string): boolean {
    return this.deny.some((re) => re.test(name));
  }

  private deniedSegment(path: string, root: string): string | undefined {
    const rest = path.slice(root.length).split(sep).filter(Boolean);
    return rest.find((segment) => this.deniedName(segment));
  }

  private async realRoots(): Promise<string[]> {
    const out: string[] = [];
    for (const root of this.roots) {
      const real = await realpath(root).catch(() => undefined);
      if (real) out.push(real);
    }
    return out;
  }

  /** Resolve and check a caller-supplied path; throws a GatewayError explaining a refusal. */
  async check(input: string): Promise<GuardedPath> {
    if (!input || input.includes('\0'))
      throw new GatewayError('ERR_INPUT_REJECTED', 'The path is empty or contains a NUL byte.');
    if (!isAbsolute(input))
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `"${input}" is not an absolute path; give the full path, e.g. /var/log/syslog.`,
      );
    const lexical = resolve(input);
    const roots = await this.realRoots();
    const lexicalRoot = this.roots.find((r) => isUnder(lexical, r));
    if (lexicalRoot && this.deniedSegment(lexical, lexicalRoot)) throw this.deniedError(input);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!lexicalRoot) throw this.outsideError(input);
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new GatewayError('ERR_NOT_FOUND', `${input} does not exist.`, { cause: error });
      // Faults of the path itself, not of permissions: say so instead of "cannot be read".
      if (code === 'ENAMETOOLONG')
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          'A name in the path is longer than 255 bytes, or the path longer than 4096.',
          { cause: error },
        );
      if (code === 'ELOOP')
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          `${input} leads into a loop of symlinks; give the path of the file itself.`,
          { cause: error },
        );
      throw new GatewayError('ERR_PERMISSION_DENIED', `${input} cannot be read by the gateway (${code}).`, {
        cause: error,
      });
    }
    const root = roots.find((r) => isUnder(real, r));
    if (!root) throw this.outsideError(input);
    if (this.deniedSegment(real, root)) throw this.deniedError(input);
    const stats = await this.lstatInPlace(input, real);
    if (stats.isSymbolicLink()) throw this.changedError(input);
    return { real, root, stats };
  }

  /**
   * lstat `real` inside its parent directory as realpath found it. realpath and a later lstat each
   * walk the path anew, so a directory component swapped for a symlink in between made the lstat
   * (and files_stat) describe a file outside the roots. The parent is opened without following a
   * symlink and its descriptor checked like openChecked does; the entry is looked up through the
   * descriptor (/proc/self/fd/N/name). lstat, not stat: a swapped-in last component is refused.
   */
  private async lstatInPlace(input: string, real: string): Promise<Stats> {
    const parent = dirname(real);
    const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    const handle = await open(parent, flags).catch((error: NodeJS.ErrnoException) => {
      throw this.changedError(input, error);
    });
    try {
      const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => parent);
      if (opened !== parent) throw this.changedError(input);
      if (real === parent) return await handle.stat(); // the file system root itself
      return await lstat(join(`/proc/self/fd/${handle.fd}`, basename(real))).catch(
        (error: NodeJS.ErrnoException) => {
          throw this.changedError(input, error);
        },
      );
    } finally {
      await handle.close();
    }
  }

  /**
   * Open `guarded.real` without following a symlink in its last component and
   * make sure the descriptor is the checked file: a directory component swapped
   * for a symlink after the check shows up as a different /proc/self/fd target.
   */
  private async openChecked(input: string, guarded: GuardedPath, flags: number): Promise<FileHandle> {
    const handle = await open(guarded.real, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
      (error: NodeJS.ErrnoException) => {
        // ELOOP: swapped for a symlink; ENOENT: removed; ENOTDIR: a directory swapped for a file.
        throw this.changedError(input, error);
      },
    );
    try {
      const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => guarded.real);
      const now = await handle.stat();
      if (opened !== guarded.real || now.ino !== guarded.stats.ino || now.dev !== guarded.stats.dev)
        throw this.changedError(input);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle;
  }

  /** Open a checked regular file read-only, refusing it if the opened file is not the checked one. */
  async openFile(input: string): Promise<{ handle: FileHandle; guarded: GuardedPath }> {
    const guarded = await this.check(input);
    if (!guarded.stats.isFile())
      throw new GatewayError('ERR_INPUT_REJECTED', `${input} is not a regular file.`);
    return { handle: await this.openChecked(input, guarded, constants.O_RDONLY), guarded };
  }

  /**
   * Open a checked directory and hand back a path through the open descriptor
   * (/proc/self/fd/N): listing and lstat-ing entries through it stays in the
   * checked directory even if its path is swapped for a symlink meanwhile.
   */
  async openDirectory(input: string): Promise<{ handle: FileHandle; guarded: GuardedPath; path: string }> {
    const guarded = await this.check(input);
    if (!guarded.stats.isDirectory())
      throw new GatewayError('ERR_INPUT_REJECTED', `${input} is not a directory.`);
    const handle = await this.openChecked(input, guarded, constants.O_RDONLY | constants.O_DIRECTORY);
    return { handle, guarded, path: `/proc/self/fd/${handle.fd}` };
  }

  private changedError(input: string, cause?: NodeJS.ErrnoException): GatewayError {
    return new GatewayError(
      'ERR_CONFLICT',
      `${input} changed while it was being opened (${cause?.code ?? 'replaced'}); try again.`,
      cause ? { cause } : undefined,
    );
  }

  private outsideError(input: string): GatewayError {
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${input} is outside the readable roots (${this.roots.join(', ')}), after resolving symlinks. An administrator can add a root in modules.system.file_roots.`,
    );
  }

  private deniedError(input: string): GatewayError {
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${input} matches the deny list of secret-looking names (keys, .ssh, .env, shadow, tokens); it is never read. See modules.system.file_deny.`,
    );
  }
}

/** A file looks binary when its first bytes hold a NUL or are not valid UTF-8. */
export function looksBinary(sample: Buffer): boolean {
  if (sample.includes(0)) return true;
  try {
    // Cut back to a character boundary so a multi-byte character split at the end is not held against it.
    let end = sample.length;
    while (end > 0 && end > sample.length - 4 && (sample[end - 1]! & 0xc0) === 0x80) end--;
    if (end > 0 && sample[end - 1]! >= 0xc0) end--;
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return false;
  } catch {
    return true;
  }
}

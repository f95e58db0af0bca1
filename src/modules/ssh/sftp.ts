import type { Client, SFTPWrapper, Stats } from 'ssh2';
import { GatewayError } from '../../errors.ts';

const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const CHUNK = 32 * 1024;

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** Promise-returning file operations on a host over SFTP. Paths are the host's. */
export interface RemoteFiles {
  realpath(path: string): Promise<string>;
  /** What is at the path, without following a symlink; undefined when nothing is. */
  kind(path: string): Promise<EntryKind | undefined>;
  /** Create each missing directory of `path` with `mode`; refuses to pass through a symlink or a file. */
  mkdirs(path: string, mode: number): Promise<void>;
  /**
   * Write a regular file with exactly `mode` (set before the content is written, whatever the
   * server's umask). A symlink or special file in its place is removed first, never written through.
   */
  writeFile(path: string, data: Buffer, mode: number): Promise<void>;
  /** A small file's content, or undefined when it does not exist; refuses more than `max` bytes. */
  readFile(path: string, max: number): Promise<Buffer | undefined>;
  /** Remove a file or symlink; nothing when it does not exist. */
  unlink(path: string): Promise<void>;
  /** Remove a directory if it is empty; false when it is not (or cannot be removed). */
  rmdirIfEmpty(path: string): Promise<boolean>;
  /** Remove a tree without following symlinks; returns the paths that could not be removed. */
  removeTree(path: string): Promise<string[]>;
}

function kindOf(stats: Stats): EntryKind {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFile()) return 'file';
  return 'other';
}

function fileError(host: string, what: string, path: string, error: unknown): GatewayError {
  const code = (error as { code?: number }).code;
  const why =
    code === PERMISSION_DENIED
      ? 'permission denied (the SSH user needs write access there)'
      : code === NO_SUCH_FILE
        ? 'no such file or directory'
        : (error as Error).message;
  return new GatewayError('ERR_UPSTREAM_FAILED', `${host}: could not ${what} ${path}: ${why}.`, {
    cause: error,
  });
}

/** Open the SFTP subsystem on a connection, run `work`, and close it again. */
export function withSftp<T>(
  client: Client,
  host: string,
  signal: AbortSignal,
  work: (files: RemoteFiles) => Promise<T>,
): Promise<T> {
  return new Promise<SFTPWrapper>((resolve, reject) => {
    client.sftp((error, sftp) =>
      error
        ? reject(
            new GatewayError(
              'ERR_UPSTREAM_FAILED',
              `${host} does not offer SFTP (${error.message}); enable the sftp subsystem in its sshd_config (Debian's default has it).`,
              { cause: error },
            ),
          )
        : resolve(sftp),
    );
  }).then(async (sftp) => {
    try {
      return await work(remoteFiles(sftp, host, signal));
    } finally {
      sftp.end();
    }
  });
}

function remoteFiles(sftp: SFTPWrapper, host: string, signal: AbortSignal): RemoteFiles {
  const call = <R>(what: string, path: string, run: (done: (err: unknown, value?: R) => void) => void) =>
    new Promise<R>((resolve, reject) => {
      if (signal.aborted) return reject(new GatewayError('ERR_TIMEOUT', 'The call was cancelled.'));
      run((err, value) => (err ? reject(fileError(host, what, path, err)) : resolve(value as R)));
    });
  const missing = (error: unknown) =>
    ((error as GatewayError).cause as { code?: number } | undefined)?.code === NO_SUCH_FILE;

  const files: RemoteFiles = {
    realpath: (path) => call<string>('resolve', path, (done) => sftp.realpath(path, done)),
    async kind(path) {
      try {
        return kindOf(await call<Stats>('inspect', path, (done) => sftp.lstat(path, done)));
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async mkdirs(path, mode) {
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (!dir) continue;
        const kind = await files.kind(dir);
        if (kind === 'dir') continue;
        if (kind !== undefined) {
          throw new GatewayError(
            'ERR_POLICY_DENIED',
            `${host}: ${dir} is a ${kind}, not a directory; refusing to write through it.`,
          );
        }
        await call('create directory', dir, (done) => sftp.mkdir(dir, { mode }, done));
        await call('set the mode of', dir, (done) => sftp.chmod(dir, mode, done));
      }
    },
    async writeFile(path, data, mode) {
      const kind = await files.kind(path);
      if (kind === 'dir') {
        throw new GatewayError('ERR_CONFLICT', `${host}: ${path} is a directory; cannot write a file there.`);
      }
      if (kind === 'symlink' || kind === 'other') await files.unlink(path);
      const handle = await call<Buffer>('open', path, (done) => sftp.open(path, 'w', { mode }, done));
      try {
        await call('set the mode of', path, (done) => sftp.fchmod(handle, mode, done));
        for (let offset = 0; offset < data.length; offset += CHUNK) {
          const length = Math.min(CHUNK, data.length - offset);
          await call('write', path, (done) => sftp.write(handle, data, offset, length, offset, done));
        }
      } finally {
        await call('close', path, (done) => sftp.close(handle, done)).catch(() => undefined);
      }
    },
    async readFile(path, max) {
      const kind = await files.kind(path);
      if (kind === undefined) return undefined;
      if (kind !== 'file') throw new GatewayError('ERR_CONFLICT', `${host}: ${path} is not a regular file.`);
      const handle = await call<Buffer>('open', path, (done) => sftp.open(path, 'r', done));
      try {
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
          const buffer = Buffer.alloc(CHUNK);
          // At the end of the file ssh2 answers 0 bytes (not an error).
          const read = await call<number>('read', path, (done) =>
            sftp.read(handle, buffer, 0, CHUNK, total, (err, bytes) => done(err, bytes)),
          );
          if (read === 0) break;
          total += read;
          if (total > max)
            throw new GatewayError('ERR_UPSTREAM_FAILED', `${host}: ${path} is larger than ${max} bytes.`);
          chunks.push(buffer.subarray(0, read));
        }
        return Buffer.concat(chunks);
      } finally {
        await call('close', path, (done) => sftp.close(handle, done)).catch(() => undefined);
      }
    },
    async unlink(path) {
      try {
        await call('remove', path, (done) => sftp.unlink(path, done));
      } catch (error) {
        if (!missing(error)) throw error;
      }
    },
    async rmdirIfEmpty(path) {
      try {
        await call('remove', path, (done) => sftp.rmdir(path, done));
        return true;
      } catch {
        return false;
      }
    },
    async removeTree(path) {
      const kind = await files.kind(path);
      if (kind === undefined) return [];
      if (kind !== 'dir') {
        return files.unlink(path).then(
          () => [],
          () => [path],
        );
      }
      const entries = await call<{ filename: string }[]>('list', path, (done) => sftp.readdir(path, done));
      const left: string[] = [];
      for (const entry of entries) {
        if (entry.filename === '.' || entry.filename === '..') continue;
        left.push(...(await files.removeTree(`${path}/${entry.filename}`)));
      }
      if (!(await files.rmdirIfEmpty(path)) && left.length === 0) left.push(path);
      return left;
    },
  };
  return files;
}

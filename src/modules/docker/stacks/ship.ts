import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { GatewayError } from '../../../errors.ts';
import type { RemoteFiles } from '../../ssh/sftp.ts';
import { git } from './git.ts';
import { type Ctx, gitOptions } from './project.ts';

/**
 * A stack on a fleet host is a copy of the checkout's tracked files at the
 * deployed commit, written over SFTP (the pooled, pinned SSH connection) into
 * `<remote_stacks_dir>/<stack>` on the host — never a shell, never a tarball
 * unpacked by something on the host. Files get exactly their git mode (0644 or
 * 0755), `.env` 0600. A manifest of what was shipped lets the next revision
 * delete what it no longer has without touching anything the containers wrote.
 */
export const MANIFEST = '.tailwarden-manifest.json';
const MAX_FILES = 10_000;
const MAX_MANIFEST = 4 * 1024 * 1024;
const DIR_MODE = 0o750;

interface TrackedFile {
  path: string;
  mode: number;
}

interface Manifest {
  commit: string;
  files: string[];
}

/** A path from git as the host will see it: relative, no "." or ".." segment, not a name we own. */
function checkedPath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The repository has a path that cannot be shipped: "${path}".`,
    );
  }
  if (path === MANIFEST) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The repository has a file named ${MANIFEST}, a name the gateway keeps for itself.`,
    );
  }
  return path;
}

/** The tracked files at HEAD of the checkout, with their modes. Symlinks and submodules are refused. */
async function trackedFiles(ctx: Ctx, dir: string): Promise<TrackedFile[]> {
  const keep = 16 * 1024 * 1024;
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', 'HEAD'], dir, { ...gitOptions(ctx), keep });
  if (out.length >= keep) throw tooLarge(ctx, 'more files than can be listed');
  const files: TrackedFile[] = [];
  for (const entry of out.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type] = entry.slice(0, tab).split(' ');
    const path = entry.slice(tab + 1);
    if (type === 'commit') {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `The repository has a submodule at "${path}"; stacks on fleet hosts ship plain files only.`,
      );
    }
    if (mode === '120000') {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `The repository has a symlink at "${path}"; stacks on fleet hosts ship regular files only (a link could point the copy anywhere on the host).`,
      );
    }
    files.push({ path: checkedPath(path), mode: mode === '100755' ? 0o755 : 0o644 });
  }
  if (files.length > MAX_FILES) throw tooLarge(ctx, `${files.length} files (at most ${MAX_FILES})`);
  return files;
}

function tooLarge(ctx: Ctx, what: string): GatewayError {
  return new GatewayError(
    'ERR_INPUT_REJECTED',
    `The repository is too large to ship to a host: ${what}. The limit is modules.docker.remote_max_bytes (${ctx.docker.config.remote_max_bytes} bytes) and ${MAX_FILES} files; use a smaller repository for the stack.`,
  );
}

/** Absolute directory of a stack on the host. */
export async function remoteProjectDir(files: RemoteFiles, ctx: Ctx, name: string): Promise<string> {
  const configured = ctx.docker.config.remote_stacks_dir.replace(/\/+$/, '');
  if (!configured || configured.split('/').includes('..')) {
    throw new GatewayError(
      'ERR_CONFIG_INVALID',
      'modules.docker.remote_stacks_dir must be a path without "..".',
    );
  }
  const root = configured.startsWith('/') ? configured : `${await files.realpath('.')}/${configured}`;
  return posix.join(root, name);
}

async function readManifest(files: RemoteFiles, dir: string): Promise<Manifest | undefined> {
  const text = await files.readFile(`${dir}/${MANIFEST}`, MAX_MANIFEST);
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text.toString('utf8')) as Manifest;
    return Array.isArray(parsed.files) ? parsed : undefined;
  } catch {
    return undefined; // an unreadable manifest: nothing is deleted, everything is rewritten
  }
}

/**
 * Make the host's copy of the stack match the checkout's HEAD. `envText`, when
 * given, becomes the stack's `.env` (0600); otherwise the one on the host stays.
 */
export async function shipProject(ctx: Ctx, host: string, name: string, checkout: string, envText?: string) {
  const tracked = await trackedFiles(ctx, checkout);
  const commit = await git(['rev-parse', 'HEAD'], checkout, gitOptions(ctx));
  const contents: Buffer[] = [];
  let total = 0;
  for (const file of tracked) {
    const data = await readFile(posix.join(checkout, file.path));
    total += data.length;
    if (total > ctx.docker.config.remote_max_bytes) throw tooLarge(ctx, `more than ${total} bytes`);
    contents.push(data);
  }
  await ctx.progress({
    progress: 0,
    message: `shipping ${tracked.length} files (${Math.ceil(total / 1024)} KiB) to ${host}`,
  });
  return ctx.docker.fleet().sftp(host, ctx.signal, async (files) => {
    const dir = await remoteProjectDir(files, ctx, name);
    await files.mkdirs(dir, DIR_MODE);
    const before = await readManifest(files, dir);
    const now = new Set(tracked.map((f) => f.path));
    for (const gone of before?.files ?? []) {
      if (now.has(gone) || gone === '.env' || gone === MANIFEST) continue;
      const path = posix.join(dir, checkedPath(gone));
      await files.unlink(path);
      // Directories the old revision needed and the new one does not: removed while empty.
      for (let parent = posix.dirname(path); parent.startsWith(`${dir}/`); parent = posix.dirname(parent))
        if (!(await files.rmdirIfEmpty(parent))) break;
    }
    for (const [index, file] of tracked.entries()) {
      const path = posix.join(dir, file.path);
      await files.mkdirs(posix.dirname(path), DIR_MODE);
      await files.writeFile(path, contents[index]!, file.path === '.env' ? 0o600 : file.mode);
    }
    if (envText !== undefined) await files.writeFile(`${dir}/.env`, Buffer.from(envText), 0o600);
    const manifest: Manifest = { commit, files: tracked.map((f) => f.path) };
    await files.writeFile(`${dir}/${MANIFEST}`, Buffer.from(JSON.stringify(manifest)), 0o600);
    return { dir, commit, files: tracked.length, bytes: total };
  });
}

/** Delete the stack's directory on the host (not following links); returns what could not be removed. */
export function removeRemoteProject(ctx: Ctx, host: string, name: string) {
  return ctx.docker.fleet().sftp(host, ctx.signal, async (files) => {
    const dir = await remoteProjectDir(files, ctx, name);
    return { dir, left: await files.removeTree(dir) };
  });
}

#!/usr/bin/env node
// Compiles src/ (TypeScript) into dist/ (JavaScript), which `npm start`, the `tailwarden` command, the systemd
// unit and install.sh run: Node loads plain JavaScript several times faster than it strips types from hundreds
// of files. Type checking stays `npm run typecheck`; this only emits (tsc --noCheck), so it takes about a second.
//
// It runs by itself: `npm ci` runs it (the `prepare` script), and bin/tailwarden.js runs it in a source checkout
// whenever a file under src/ is newer than the last build. Plain JavaScript on purpose: it must run before
// anything is compiled. Usage: node scripts/build.js [--if-stale] [--quiet]
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STAMP = '.built-from';
/** A lock older than this belongs to a build that died; it is broken. */
const STALE_LOCK_MS = 120_000;
/** Files of a build that are not TypeScript but are read at run time (e.g. the SSH command catalog). */
const isAsset = (name) => !name.endsWith('.ts');

/** Newest modification time (ms) of what a build reads: src/ and the compiler settings. */
export function newestInput(root) {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(root, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json'])
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

/** dist/ is missing, or older than a source file (a checkout only: a release has no src/ and never is). */
export function isStale(root) {
  if (!existsSync(join(root, 'src'))) return false;
  try {
    return Number(readFileSync(join(root, 'dist', STAMP), 'utf8')) < newestInput(root);
  } catch {
    return true;
  }
}

/** Whether this checkout can compile (typescript is a devDependency: absent after `npm ci --omit=dev`). */
export function canBuild(root) {
  return existsSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc')) && existsSync(join(root, 'src'));
}

function takeLock(lock) {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return false;
    rmSync(lock, { recursive: true, force: true });
    return takeLock(lock);
  }
}

function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(source, join(to, entry.name));
    else if (isAsset(entry.name)) {
      mkdirSync(to, { recursive: true });
      cpSync(source, join(to, entry.name));
    }
  }
}

/**
 * Builds into a fresh directory and swaps it in, so a process starting meanwhile sees the old dist/ or the new
 * one, never half of each, and files removed from src/ leave nothing behind. When another build holds the lock
 * it returns false at once (the launcher then runs the sources this once), or with `wait` waits for it.
 */
export function build(root, { quiet = false, wait = false, ifStale = false } = {}) {
  const lock = join(root, 'dist.lock');
  if (!takeLock(lock)) {
    if (!wait) return false;
    // An explicit build (npm ci, npm pack, npm run build) waits for the one under way; a dead one's lock is
    // broken by takeLock after STALE_LOCK_MS.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (!takeLock(lock)) Atomics.wait(pause, 0, 0, 200);
  }
  if (ifStale && !isStale(root)) {
    rmSync(lock, { recursive: true, force: true });
    return true;
  }
  const fresh = join(root, `dist.new-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  try {
    const inputs = newestInput(root);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', fresh],
      { cwd: root, encoding: 'utf8' },
    );
    if (result.status !== 0 || !existsSync(join(fresh, 'cli.js')))
      throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
    copyAssets(join(root, 'src'), fresh);
    writeFileSync(join(fresh, STAMP), String(inputs));
    if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), old);
    renameSync(fresh, join(root, 'dist'));
    if (!quiet) process.stderr.write('tailwarden: compiled src/ into dist/\n');
    return true;
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const quiet = process.argv.includes('--quiet');
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isStale(root)) process.exit(0);
  try {
    build(root, { quiet, wait: true, ifStale });
  } catch (error) {
    process.stderr.write(`tailwarden: build failed: ${error.message}\n`);
    process.exitCode = 1;
  }
}

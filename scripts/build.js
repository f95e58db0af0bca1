#!/usr/bin/env node
// Bundles src/ (TypeScript) and the production dependencies it imports into dist/ (JavaScript, esbuild), which
// `npm start`, the `tailwarden` command, the systemd unit and install.sh run. Loading one bundle instead of
// ~1,000 files (each resolved, read and linked by Node's ESM loader) is most of the start-up it saves; see
// docs/resilience.md "The request path, lean". Type checking stays `npm run typecheck`; this only emits.
//
// What stays out of the bundle, loaded from node_modules at run time: what src/util/lazy-require.ts loads on
// first use (dockerode, ssh2, yaml, systeminformation, re2js) and ssh2's optional native parts. Files read at
// run time (src/util/asset.ts) are copied next to it under their src/ paths.
//
// It runs by itself: `npm ci` runs it (the `prepare` script), and bin/tailwarden.js runs it in a source checkout
// whenever a file under src/ is newer than the last build. Plain JavaScript on purpose: it must run before
// anything is compiled. Usage: node scripts/build.js [--if-stale] [--quiet]
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
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const STAMP = '.built-from';
/** A lock older than this belongs to a build that died; it is broken. */
const STALE_LOCK_MS = 120_000;
/** Files of a build that are not TypeScript but are read at run time (e.g. the SSH command catalog). */
const isAsset = (name) => !name.endsWith('.ts');

/** Newest modification time (ms) of what a build reads: src/, the compiler settings, the lock file and this recipe. */
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
  // The bundle also holds the dependencies (package-lock.json) and follows this recipe.
  for (const file of ['tsconfig.json', 'package-lock.json', 'scripts/build.js'])
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

/** Whether this checkout can build (esbuild is a devDependency: absent after `npm ci --omit=dev`). */
export function canBuild(root) {
  return existsSync(join(root, 'node_modules', 'esbuild', 'package.json')) && existsSync(join(root, 'src'));
}

/** Loaded by src/util/lazy-require.ts on first use, from node_modules; native add-ons cannot be bundled. */
const EXTERNAL = ['dockerode', 'ssh2', 'yaml', 'systeminformation', 're2js', 'cpu-features', '*.node'];
const BUILTINS = new Set(builtinModules);

/**
 * Node's built-in modules through require(), not `import`: importing one as an ES module makes Node build its
 * ESM facade, which reads every export, lazy ones included — `import 'node:http'` alone loaded undici (Node's
 * fetch) and cost ~90 ms and 14 MB at start-up.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name) || (args.kind !== 'import-statement' && args.kind !== 'dynamic-import')) return;
      return { path: name, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};

async function bundle(root, outdir) {
  const esbuild = await import(pathToFileURL(join(root, 'node_modules', 'esbuild', 'lib', 'main.js')).href);
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'cli.ts')],
    outdir,
    bundle: true,
    // Chunks: a CLI command does not load the server's code (src/cli/serve.ts imports it dynamically).
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: EXTERNAL,
    plugins: [builtinsByRequire],
    // CommonJS dependencies and the plugin above call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);",
    },
    define: { TAILWARDEN_BUNDLE: 'true' },
    legalComments: 'none',
    // Whitespace and comments out (identifiers kept, so stack traces still name functions): V8 keeps every
    // module's source text in memory, and one non-Latin-1 character in a comment doubles a chunk's size there.
    minifyWhitespace: process.env.TW_MINIFY !== '0',
    logLevel: 'silent',
  });
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
export async function build(root, { quiet = false, wait = false, ifStale = false } = {}) {
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
    try {
      await bundle(root, fresh);
    } catch (error) {
      const problems = (error.errors ?? []).map(
        (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
      );
      throw new Error(`esbuild failed:\n${problems.join('\n') || error.message}`);
    }
    if (!existsSync(join(fresh, 'cli.js'))) throw new Error('esbuild wrote no cli.js');
    copyAssets(join(root, 'src'), fresh);
    writeFileSync(join(fresh, STAMP), String(inputs));
    if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), old);
    renameSync(fresh, join(root, 'dist'));
    if (!quiet) process.stderr.write('tailwarden: built dist/ from src/\n');
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
    await build(root, { quiet, wait: true, ifStale });
  } catch (error) {
    process.stderr.write(`tailwarden: build failed: ${error.message}\n`);
    process.exitCode = 1;
  }
}

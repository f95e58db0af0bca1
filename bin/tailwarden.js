#!/usr/bin/env node
// The `tailwarden` command. Plain JavaScript that any Node can parse, because it may be started by an older
// system Node (through `npm link` or a PATH entry). It:
//   1. makes sure a Node >= 22.18 runs tailwarden: when this one is older it runs itself again with the Node
//      bundled in this checkout (the `node` devDependency), or fails with one line saying what to install;
//   2. runs the compiled JavaScript in dist/ — in a source checkout, rebuilt first when src/ changed since the
//      last build (scripts/build.js), so `npm start` after an edit runs the edit;
//   3. runs the TypeScript sources instead when TAILWARDEN_FROM_SOURCE=1 (the test suite) or when no build
//      can be made here (another build is running, or typescript is not installed).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NEED = [22, 18];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function tooOld(version) {
  const [major, minor] = version.split('.').map(Number);
  return major < NEED[0] || (major === NEED[0] && minor < NEED[1]);
}

function fail(message) {
  process.stderr.write(`tailwarden: ${message}\n`);
  process.exit(1);
}

/** Run this command again with another Node, passing signals on and exiting as it exits. */
function rerunWith(node) {
  const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TAILWARDEN_NODE_RETRIED: '1' },
  });
  // Ctrl-C reaches the child from the terminal by itself; a second copy would read as "exit now".
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
  child.on('error', (error) => fail(`cannot run ${node}: ${error.message}`));
}

async function run() {
  const fromSource = process.env.TAILWARDEN_FROM_SOURCE === '1';
  let entry = join(root, 'dist', 'cli.js');
  if (fromSource) entry = join(root, 'src', 'cli.ts');
  else if (existsSync(join(root, 'src'))) {
    const { build, canBuild, isStale } = await import('../scripts/build.js');
    if (isStale(root)) {
      let built = false;
      if (canBuild(root)) {
        try {
          built = await build(root, { quiet: true });
        } catch (error) {
          process.stderr.write(
            `tailwarden: could not build dist/ from src/ (running the sources instead): ${error.message}\n`,
          );
        }
      }
      if (!built) entry = join(root, 'src', 'cli.ts');
    }
  }
  if (!existsSync(entry))
    fail(`${entry} is missing: this installation is incomplete (reinstall it, or run \`npm ci\` in ${root})`);
  // Keeps V8's compiled code between runs (NODE_COMPILE_CACHE, or the OS temp directory).
  module.enableCompileCache?.();
  const cli = await import(pathToFileURL(entry).href);
  await cli.main(process.argv);
}

if (tooOld(process.versions.node)) {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!process.env.TAILWARDEN_NODE_RETRIED && existsSync(bundled)) rerunWith(bundled);
  else
    fail(
      `needs Node.js ${NEED.join('.')} or newer, and this is Node ${process.versions.node} (${process.execPath}). ` +
        'Install a newer Node.js (e.g. from NodeSource), or run `npm ci` in the checkout to get its own.',
    );
} else {
  run().catch((error) => fail(`cannot start: ${error.message}`));
}

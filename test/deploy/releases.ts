import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Releases {
  dir: string;
  /** The release tarball of this checkout, as scripts/build-release.sh makes it. */
  current: { file: string; version: string };
  /** The same code under a newer version number: an upgrade. */
  next: { file: string; version: string };
  /** A newer version that answers --version but crashes when it serves: the upgrade must roll back. */
  broken: { file: string; version: string };
  cleanup(): void;
}

async function repack(
  base: string,
  out: string,
  version: string,
  patch?: (root: string) => void,
): Promise<{ file: string; version: string }> {
  const work = mkdtempSync(join(tmpdir(), 'tw-test-deploy-repack-'));
  try {
    await run('tar', ['-xzf', base, '-C', work]);
    const pkgFile = join(work, 'package', 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
    pkg.version = version;
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    patch?.(join(work, 'package'));
    const file = join(out, `tailwarden-${version}.tgz`);
    await run('tar', ['-C', work, '-czf', file, 'package']);
    return { file, version };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * An npm cache holding the release's production dependencies, kept between runs in the system temp directory
 * (content-addressed, so reuse is safe). Handed to the test host, it lets install.sh's real `npm ci --omit=dev`
 * run without the registry: on a machine shared by several test suites the registry round trips dominate.
 */
export async function npmCacheFor(releaseFile: string): Promise<string> {
  const cache = join(tmpdir(), 'tw-test-deploy-npm-cache');
  const work = mkdtempSync(join(tmpdir(), 'tw-test-deploy-npm-'));
  try {
    await run('tar', ['-xzf', releaseFile, '-C', work]);
    await run(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--cache',
        cache,
      ],
      { cwd: join(work, 'package'), maxBuffer: 16 * 1024 * 1024 },
    );
    return cache;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function buildReleases(): Promise<Releases> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-deploy-release-'));
  const { stdout } = await run('bash', ['scripts/build-release.sh', dir]);
  const file = stdout.trim().split('\n').at(-1)!;
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const next = await repack(file, dir, `${version}-next.1`);
  const broken = await repack(file, dir, `${version}-broken.1`, (root) => {
    // dist/ is one bundle (scripts/build.js): `serve` of src/cli/serve.ts is a function of dist/cli.js.
    const serve = join(root, 'dist', 'cli.js');
    const marker = /async function serve\(options\) ?\{/g;
    const text = readFileSync(serve, 'utf8');
    if (text.match(marker)?.length !== 1)
      throw new Error('dist/cli.js changed: update the broken-release patch in releases.ts');
    writeFileSync(
      serve,
      text.replace(marker, (found) => `${found}throw new Error('this release is broken on purpose');`),
    );
  });
  return {
    dir,
    current: { file, version },
    next,
    broken,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

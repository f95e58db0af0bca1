/**
 * Start-up: from spawning `tailwarden serve` to the first 200 from /health, for the compiled JavaScript
 * (dist/, what `npm start`, the unit and the installed command run) and for the TypeScript sources
 * (TAILWARDEN_FROM_SOURCE=1, what the tests run), alternating, N rounds each. Prints the median wall time and
 * the median CPU time the process used until then (the figure that holds up on a busy machine).
 *
 *   node bench/startup.ts [rounds=7]
 *   TW_BENCH_ROOT=/path/to/other/checkout node bench/startup.ts   (a baseline: an older checkout runs its sources)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './support/proc.ts';

const ROOT = process.env.TW_BENCH_ROOT ?? join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tailwarden.js');
const rounds = Number(process.argv[2] ?? 7);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function once(fromSource: boolean, stateDir: string): Promise<{ wallMs: number; cpuMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${port}`], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      TAILWARDEN_STATE_DIR: stateDir,
      TAILWARDEN_LOG_LEVEL: 'warn',
      ...(fromSource ? { TAILWARDEN_FROM_SOURCE: '1' } : {}),
    },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return { wallMs: performance.now() - started, cpuMs: cpuMs(child.pid!) };
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const stateDir = mkdtempSync(join(tmpdir(), 'tw-bench-startup-'));
try {
  await once(false, stateDir); // first start: creates keys and the database; also fills the compile cache
  await once(true, stateDir);
  type Run = { wallMs: number; cpuMs: number };
  const results: Record<'dist' | 'source', Run[]> = { dist: [], source: [] };
  for (let i = 0; i < rounds; i++) {
    results.dist.push(await once(false, stateDir));
    results.source.push(await once(true, stateDir));
  }
  for (const [name, runs] of Object.entries(results)) {
    console.log(
      `${name.padEnd(6)} start → first /health 200: median ${median(runs.map((r) => r.wallMs)).toFixed(0)} ms wall, ` +
        `${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU (${rounds} rounds)`,
    );
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}

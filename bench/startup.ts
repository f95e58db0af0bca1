/**
 * Start-up: from spawning `tailwarden serve` (with the systemd unit's Node flags) to the first 200 from /health,
 * for the compiled JavaScript (dist/, what `npm start`, the unit and the installed command run) and for the
 * TypeScript sources (TAILWARDEN_FROM_SOURCE=1, what the tests run), alternating, N rounds each. Prints the
 * median wall time and the median CPU time the process used until then (the figure that holds up on a busy
 * machine), then the idle memory of one more start of each: RSS BENCH_IDLE_SECONDS (default 5) after /health,
 * once the first metrics collection has run.
 *
 *   node bench/startup.ts [rounds=7]
 *   BENCH_STARTUP_SIDES=dist node bench/startup.ts 5       (only dist/)
 *   BENCH_NODE_FLAGS="--max-old-space-size=64" node bench/startup.ts   (other Node flags than the unit's)
 *   TW_BENCH_ROOT=/path/to/other/checkout node bench/startup.ts   (a baseline: an older checkout)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, rssMb, unitNodeFlags } from './support/proc.ts';

const ROOT = process.env.TW_BENCH_ROOT ?? join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tailwarden.js');
const rounds = Number(process.argv[2] ?? 7);
const IDLE_MS = Number(process.env.BENCH_IDLE_SECONDS ?? 5) * 1000;
const FLAGS = (process.env.BENCH_NODE_FLAGS ?? unitNodeFlags().join(' ')).split(' ').filter(Boolean);
type Side = 'dist' | 'source';
const SIDES = (process.env.BENCH_STARTUP_SIDES ?? 'dist,source').split(',') as Side[];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  wallMs: number;
  cpuMs: number;
  /** RSS (MB) IDLE_MS after the first /health 200, when asked for. */
  idleRssMb?: number;
}

async function once(side: Side, stateDir: string, idle = false): Promise<Run> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...FLAGS, BIN, 'serve', '--listen', `127.0.0.1:${port}`], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      TAILWARDEN_STATE_DIR: stateDir,
      TAILWARDEN_LOG_LEVEL: 'error',
      ...(side === 'source' ? { TAILWARDEN_FROM_SOURCE: '1' } : {}),
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
      if (ok) {
        const run: Run = { wallMs: performance.now() - started, cpuMs: cpuMs(child.pid!) };
        if (idle) {
          await sleep(IDLE_MS);
          run.idleRssMb = rssMb(child.pid!);
        }
        return run;
      }
      await sleep(5);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const stateDir = mkdtempSync(join(tmpdir(), 'tw-bench-startup-'));
try {
  // First starts: create keys and the database, and fill the compile cache.
  for (const side of SIDES) await once(side, stateDir);
  const results: Record<Side, Run[]> = { dist: [], source: [] };
  for (let i = 0; i < rounds; i++) for (const side of SIDES) results[side].push(await once(side, stateDir));
  console.log(`Node flags: ${FLAGS.join(' ') || '(none)'}`);
  for (const side of SIDES) {
    const runs = results[side];
    console.log(
      `${side.padEnd(6)} start → first /health 200: median ${median(runs.map((r) => r.wallMs)).toFixed(0)} ms wall, ` +
        `${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU (${rounds} rounds)`,
    );
  }
  for (const side of SIDES) {
    const { idleRssMb } = await once(side, stateDir, true);
    console.log(
      `${side.padEnd(6)} idle RSS ${IDLE_MS / 1000} s after the first /health 200: ${idleRssMb} MB`,
    );
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}

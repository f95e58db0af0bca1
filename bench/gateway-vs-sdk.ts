// The gateway against a bare SDK server, and the daemon's start and memory: figures, not pass/fail.
// `node bench/gateway-vs-sdk.ts` (BENCH_SECONDS=10 BENCH_CONNECTIONS=20); `npm run bench` runs every benchmark.
//  1. tools/call of a trivial tool through token auth + the full call wrapper + audit, against a bare
//     MCP SDK server on node:http exposing the same tool: req/s, p50, p99 and the ratio, in one run.
//  2. The real daemon (`tailwarden serve`): time from process start to the first 200 on /health,
//     RSS after start, and RSS with 200 open sessions.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { openSession } from './support/mcp-http.ts';
import { cpuMs, rssMb } from './support/proc.ts';
import { spawnServer } from './support/servers.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROOT = join(import.meta.dirname, '..');

async function load(port: number, token: string | undefined, seconds: number) {
  const headers = await openSession(`http://127.0.0.1:${port}`, token);
  let id = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/mcp`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: ++id,
            method: 'tools/call',
            params: { name: 'bench_echo', arguments: { text: 'hello' } },
          }),
        }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

async function throughput() {
  const rows: Record<string, Awaited<ReturnType<typeof load>> & { cpuUsPerCall: number }> = {};
  for (const [name, script] of [
    ['bare SDK (node:http)', 'bare-sdk.ts'],
    ['tailwarden (token auth + wrapper + audit)', 'gateway.ts'],
  ] as const) {
    const server = await spawnServer(script);
    await load(server.port, server.token, Math.min(2, SECONDS)); // warm-up: JIT, caches
    const cpuBefore = cpuMs(server.pid);
    const result = await load(server.port, server.token, SECONDS);
    rows[name] = { ...result, cpuUsPerCall: ((cpuMs(server.pid) - cpuBefore) * 1000) / result.total };
    server.child.kill('SIGTERM');
    await sleep(200);
  }
  return rows;
}

async function daemon() {
  const stateDir = mkdtempSync(join(tmpdir(), 'tw-bench-daemon-'));
  const bin = join(ROOT, 'bin', 'tailwarden.js');
  const env = {
    ...process.env,
    TAILWARDEN_STATE_DIR: stateDir,
    TAILWARDEN_LOG_LEVEL: 'warn',
    TAILWARDEN_HTTP_MAX_SESSIONS_PER_PRINCIPAL: '1000',
  };
  const { token } = JSON.parse(
    execFileSync(
      process.execPath,
      [bin, 'token', 'create', '--name', 'bench', '--role', 'viewer', '--json'],
      {
        env,
      },
    ).toString(),
  ) as { token: string };
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: 'ignore',
  });
  let startMs = Number.NaN;
  let startCpuMs = Number.NaN;
  for (let i = 0; i < 1000; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      startMs = Math.round(performance.now() - started);
      startCpuMs = cpuMs(child.pid!);
      break;
    }
    await sleep(5);
  }
  await sleep(1000);
  const idle = rssMb(child.pid!);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) await openSession(base, token);
  await sleep(500);
  const sessions = rssMb(child.pid!);
  child.kill('SIGTERM');
  return { startMs, startCpuMs, idle, sessions };
}

const rows = await throughput();
const [bare, gateway] = Object.values(rows) as [(typeof rows)[string], (typeof rows)[string]];
console.log(
  `\nload average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
console.log(`\ntools/call, ${CONNECTIONS} connections, ${SECONDS} s each, loopback, Node ${process.version}`);
console.table(
  Object.fromEntries(
    Object.entries(rows).map(([name, r]) => [
      name,
      {
        'req/s': Math.round(r.rps),
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'server CPU µs/call': Math.round(r.cpuUsPerCall),
        errors: r.errors,
        non2xx: r.non2xx,
      },
    ]),
  ),
);
console.log(`ratio tailwarden / bare SDK, req/s: ${(gateway.rps / bare.rps).toFixed(2)} (target ≥ 0.8)`);
console.log(
  `ratio by server CPU per call (bare / tailwarden; steadier on a busy machine): ${(bare.cpuUsPerCall / gateway.cpuUsPerCall).toFixed(2)}`,
);

const d = await daemon();
console.log('\n`tailwarden serve` (system module on, token auth)');
console.table({
  'start → first 200 /health (ms)': { value: d.startMs, target: '< 1000' },
  'CPU used by then (ms)': { value: d.startCpuMs, target: '' },
  'RSS after start (MB)': { value: d.idle, target: '< 80' },
  'RSS with 200 open sessions (MB)': { value: d.sessions, target: '' },
});
process.exit(0);

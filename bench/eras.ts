// Both protocol eras against bare SDK servers, in one run: figures, not pass/fail.
// `node bench/eras.ts` (BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_ROUNDS=2; BENCH_CPU_PROF=dir writes
// a --cpu-prof of each side into dir/<server>/; BENCH_ERAS=modern runs one era; BENCH_NODE_FLAGS="--optimize-for-size" gives both sides those Node flags). tools/call of the same trivial tool, a fresh JSON-RPC id per request,
// rate limit lifted, alternating rounds so a busy machine hits both sides alike:
//  - 2026-07-28: tailwarden's modern door vs SDK v2 `createMcpHandler` on node:http (target ≥ 0.8×)
//  - 2025: tailwarden's session door vs SDK v1 sessions on node:http (target ≥ 0.8×)
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { modernBody, modernHeaders, openSession } from './support/mcp-http.ts';
import { cpuMs } from './support/proc.ts';
import { type Started, spawnServer } from './support/servers.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROFILE = process.env.BENCH_CPU_PROF;
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const CALL = { name: 'bench_echo', arguments: { text: 'hello' } };

type Era = 'modern' | 'legacy';

async function load(server: Started, era: Era, seconds: number) {
  const base = `http://127.0.0.1:${server.port}`;
  const headers =
    era === 'legacy'
      ? await openSession(base, server.token)
      : modernHeaders('tools/call', CALL.name, server.token);
  let id = 0;
  const body = () =>
    era === 'legacy'
      ? JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: CALL })
      : modernBody(++id, 'tools/call', CALL);
  const result = await autocannon({
    url: `${base}/mcp`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

async function measure(script: string, era: Era) {
  const flags = [
    ...NODE_FLAGS,
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}/${script.replace(/\.ts$/, '')}`] : []),
  ];
  const server = await spawnServer(script, flags);
  try {
    await load(server, era, Math.min(2, SECONDS)); // warm-up: JIT, caches
    const before = cpuMs(server.pid);
    const result = await load(server, era, SECONDS);
    return { ...result, cpuUsPerCall: ((cpuMs(server.pid) - before) * 1000) / Math.max(1, result.total) };
  } finally {
    server.child.kill('SIGTERM');
    await sleep(300);
  }
}

/** Per era: the baseline, tailwarden, then sides shown for context only (not in the ratio). */
const SIDES: Record<Era, [string, string][]> = {
  modern: [
    ['bare SDK v2 (createMcpHandler)', 'bare-sdk-v2.ts'],
    ['tailwarden 2026-07-28 door', 'gateway.ts'],
  ],
  legacy: [
    ['bare SDK v1 sessions', 'bare-sdk.ts'],
    ['tailwarden 2025 door', 'gateway.ts'],
    ['bare SDK v2 sessions', 'bare-sdk-v2-sessions.ts'],
    ['SDK v2 sessions on fastify', 'sdk-v2-sessions-fastify.ts'],
  ],
};

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
console.log(
  `tools/call, ${CONNECTIONS} connections, ${SECONDS} s per side, ${ROUNDS} alternating rounds, Node ${process.version} ${NODE_FLAGS.join(' ')}`,
);
const ERAS = (process.env.BENCH_ERAS ?? 'modern,legacy').split(',') as Era[];
for (const era of ERAS) {
  const rows: Record<string, unknown> = {};
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const [[bareName, bareScript], [gwName, gwScript], ...others] = SIDES[era] as [
      [string, string],
      [string, string],
      ...[string, string][],
    ];
    const bare = await measure(bareScript, era);
    const gw = await measure(gwScript, era);
    const measured: [string, Awaited<ReturnType<typeof measure>>][] = [
      [bareName, bare],
      [gwName, gw],
    ];
    for (const [name, script] of others) measured.push([name, await measure(script, era)]);
    for (const [name, r] of measured) {
      rows[`${name} #${round}`] = {
        'req/s': Math.round(r.rps),
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'server CPU µs/call': Math.round(r.cpuUsPerCall),
        errors: r.errors,
      };
    }
    ratios.push(gw.rps / bare.rps);
    cpuRatios.push(bare.cpuUsPerCall / gw.cpuUsPerCall);
  }
  console.log(`\n${era === 'modern' ? '2026-07-28' : '2025 sessions'}`);
  console.table(rows);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `ratio tailwarden / bare, req/s: ${ratios.map((r) => r.toFixed(2)).join(', ')} (mean ${mean(ratios).toFixed(2)}, target ≥ 0.8); by server CPU per call: ${mean(cpuRatios).toFixed(2)}`,
  );
}
process.exit(0);

// Soak, churn and disconnects: figures, not pass/fail. `node bench/soak.ts`
//   BENCH_SOAK_SECONDS (default 60; the resilience issue asks for 600), BENCH_SOAK_SESSIONS (50),
//   BENCH_CHURN (10000 sessions opened and closed), BENCH_NODE_FLAGS (Node flags for the daemon;
//   default: those of systemd/tailwarden.service), BENCH_IDLE_SECONDS (30, after the load), BENCH_DISCONNECTS (200 calls cut mid-stream).
// 1. Steady mixed read load over a real `tailwarden serve`, half the callers on 2025 sessions and half
//    on the 2026-07-28 door: req/s, p50/p99, errors, RSS start/end.
// 2. Session churn: open + DELETE, RSS and open sessions before/after.
// 3. Abrupt disconnects during long calls on an in-process gateway: calls in flight, open POST
//    answers and the process's active handles return to where they were.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../src/app.ts';
import { configFrom } from '../src/config/load.ts';
import { startGateway } from '../src/gateway.ts';
import { silentLogger } from '../src/log.ts';
import { testModule } from '../test/support/test-module.ts';
import { modernBody, modernHeaders, openSession } from './support/mcp-http.ts';
import { cpuMs, rssMb, unitNodeFlags } from './support/proc.ts';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SESSIONS = Number(process.env.BENCH_SOAK_SESSIONS ?? 50);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const CHURN = Number(process.env.BENCH_CHURN ?? 10_000);
const DISCONNECTS = Number(process.env.BENCH_DISCONNECTS ?? 200);
const BIN = join(import.meta.dirname, '..', 'bin', 'tailwarden.js');

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function startDaemon() {
  const stateDir = mkdtempSync(join(tmpdir(), 'tw-soak-'));
  const env = {
    ...process.env,
    TAILWARDEN_STATE_DIR: stateDir,
    TAILWARDEN_LOG_LEVEL: 'warn',
    TAILWARDEN_RATE_LIMIT_PER_PRINCIPAL: '1000000000',
    TAILWARDEN_HTTP_MAX_SESSIONS_PER_PRINCIPAL: '1000',
  };
  const { token } = JSON.parse(
    execFileSync(process.execPath, [BIN, 'token', 'create', '--name', 'soak', '--role', 'viewer', '--json'], {
      env,
    }).toString(),
  ) as { token: string };
  const port = 20_000 + Math.floor(Math.random() * 5000);
  const flags = (process.env.BENCH_NODE_FLAGS ?? unitNodeFlags().join(' ')).split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, BIN, 'serve', '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 2000; i++) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(10);
  }
  return { child, base, token, flags };
}

async function openSessionsMetric(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^tailwarden_mcp_sessions_open (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** V8 heap in use, from the daemon's own /metrics (RSS alone cannot tell a leak from a heap that grew). */
async function heapUsedMb(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return (
    Math.round(
      Number(/^tailwarden_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN) / 104857.6,
    ) / 10
  );
}

/** The JSON-RPC answer in a JSON or SSE body: ok unless it is an error or a tool result with isError. */
function answeredOk(body: string): boolean {
  const json = body.startsWith('{') ? body : (/^data: (.*)$/m.exec(body)?.[1] ?? '');
  try {
    const message = JSON.parse(json) as { result?: { isError?: boolean }; error?: unknown };
    return message.result !== undefined && message.result.isError !== true;
  } catch {
    return false;
  }
}

/**
 * 50 callers of mixed reads (half 2025 sessions, half 2026-07-28). The load comes from raw HTTP requests, not SDK clients: 50 SDK clients
 * in one process spend most of a core validating output schemas (tools/list compiles a validator per
 * tool), so the bench measured itself — the daemon sat at a quarter of a core.
 */
async function steadyLoad(base: string, token: string, pid: number) {
  const calls = [
    { name: 'system_status', arguments: {} },
    { name: 'system_processes_top', arguments: { limit: 5 } },
    { name: 'system_network_io', arguments: {} },
  ];
  // Every other caller speaks 2026-07-28 (no session: its own credentials and envelope on each request).
  const modern = (i: number) => i % 2 === 1;
  const sessions = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) =>
      modern(i) ? Promise.resolve(undefined) : openSession(base, token, `soak-${i}`),
    ),
  );
  await sleep(1000);
  const rssStart = rssMb(pid);
  const heapStart = await heapUsedMb(base);
  const cpuStart = cpuMs(pid);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(rssMb(pid)), 1000);
  // Growth after the warm-up is what a leak looks like; up to then the heap grows to its working size.
  const warmAfter = Math.min(60, Math.ceil(SECONDS / 10));
  const latencies: number[] = [];
  let errors = 0;
  let id = 1;
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    sessions.map(async (headers, i) => {
      for (let n = i; Date.now() < deadline; n++) {
        const call = n % 4 === 3 ? undefined : calls[n % 4]!;
        const method = call ? 'tools/call' : 'tools/list';
        const params = call ?? {};
        const request = headers
          ? { headers, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) }
          : { headers: modernHeaders(method, call?.name, token), body: modernBody(id++, method, params) };
        const started = performance.now();
        try {
          const response = await fetch(`${base}/mcp`, { method: 'POST', ...request });
          if (!answeredOk(await response.text())) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  clearInterval(sampler);
  const rssEnd = rssMb(pid);
  const rssWarm = rssSamples[warmAfter - 1] ?? rssEnd;
  const heapEnd = await heapUsedMb(base);
  const cpuUsed = (cpuMs(pid) - cpuStart) / 1000;
  await Promise.all(
    sessions.map((headers) =>
      headers ? fetch(`${base}/mcp`, { method: 'DELETE', headers }).then((r) => r.text()) : undefined,
    ),
  );
  // Once the load stops V8's memory reducer collects and gives pages back: what stays is what is kept.
  await sleep(IDLE_SECONDS * 1000);
  const rssIdle = rssMb(pid);
  const heapIdle = await heapUsedMb(base);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    'req/s': Math.round(latencies.length / SECONDS),
    'p50 ms': Math.round(percentile(latencies, 50)),
    'p99 ms': Math.round(percentile(latencies, 99)),
    errors,
    'daemon CPU %': Math.round((cpuUsed / SECONDS) * 100),
    'RSS start MB': rssStart,
    'RSS warm MB': rssWarm,
    'RSS peak MB': Math.max(rssStart, ...rssSamples),
    'RSS end MB': rssEnd,
    'RSS change %': Math.round(((rssEnd - rssStart) / rssStart) * 1000) / 10,
    'RSS change from warm %': Math.round(((rssEnd - rssWarm) / rssWarm) * 1000) / 10,
    'heap used start MB': heapStart,
    'heap used end MB': heapEnd,
    [`RSS ${IDLE_SECONDS} s idle MB`]: rssIdle,
    [`heap used ${IDLE_SECONDS} s idle MB`]: heapIdle,
  };
}

async function churn(base: string, token: string, pid: number) {
  const before = { rss: rssMb(pid), heap: await heapUsedMb(base), open: await openSessionsMetric(base) };
  let failures = 0;
  const worker = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const headers = await openSession(base, token, 'churn').catch(() => undefined);
      if (!headers?.['mcp-session-id']) {
        failures++;
        continue;
      }
      const closed = await fetch(`${base}/mcp`, { method: 'DELETE', headers });
      await closed.text();
      if (!closed.ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: 10 }, () => worker(CHURN / 10)));
  await sleep(2000);
  return {
    sessions: CHURN,
    failures,
    'RSS before MB': before.rss,
    'RSS after MB': rssMb(pid),
    'heap before MB': before.heap,
    'heap after MB': await heapUsedMb(base),
    'open before': before.open,
    'open after': await openSessionsMetric(base),
  };
}

/** Long calls whose connections are destroyed mid-stream, on an in-process gateway with test_slow. */
async function disconnects() {
  const config = configFrom({
    state_dir: mkdtempSync(join(tmpdir(), 'tw-soak-cut-')),
    rate_limit: { per_principal: 1_000_000_000 },
    http: { max_sessions_per_principal: 1000 },
  });
  const gateway = await startGateway(config, { log: silentLogger(), modules: [testModule] });
  const app = await buildApp(config, gateway, { processMetrics: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const { token } = await gateway.tokens.create({
    name: 'cut',
    role: 'viewer',
    permissions: [],
    ttlMs: 3_600_000,
  });
  const headers = await openSession(`http://127.0.0.1:${port}`, token, 'cut');
  const post = (body: unknown) =>
    request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers }).end(JSON.stringify(body));
  await sleep(500);
  const resourcesBefore = process.getActiveResourcesInfo().length;
  for (let i = 1; i <= DISCONNECTS; i++) {
    const req = post({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: { name: 'test_slow', arguments: { ms: 2000 } },
    });
    req.on('error', () => undefined);
    setTimeout(() => req.destroy(), 50 + (i % 10) * 20);
  }
  await sleep(400);
  const peak = gateway.caller.callsInFlight;
  await sleep(3000); // every test_slow has ended by now
  const result = {
    'calls cut': DISCONNECTS,
    'in flight at peak': peak,
    'in flight after': gateway.caller.callsInFlight,
    'active resources before': resourcesBefore,
    'active resources after': process.getActiveResourcesInfo().length,
  };
  await app.close();
  return result;
}

const { child, base, token, flags: flagsUsed } = await startDaemon();
console.log(
  `\nsteady mixed read load: ${SESSIONS} sessions, ${SECONDS} s (\`tailwarden serve\`, token auth, node ${flagsUsed.join(' ')})`,
);
console.table({ result: await steadyLoad(base, token, child.pid!) });
console.log(`\nsession churn: ${CHURN} sessions opened and closed`);
console.table({ result: await churn(base, token, child.pid!) });
child.kill('SIGTERM');
console.log(`\nabrupt disconnects: ${DISCONNECTS} long calls cut mid-stream (in-process gateway)`);
console.table({ result: await disconnects() });
process.exit(0);

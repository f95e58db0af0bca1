/**
 * How long each hostile input of issue 15 §1 blocks the gateway's event loop: a real gateway
 * in-process, each request sent over HTTP while perf_hooks measures the longest event-loop delay
 * during it (what a /health request would have waited), plus the request's own time. The log
 * analyzer is measured directly (its synchronous pass over hostile lines). Uses only what the
 * gateway had before the fix too, so the same file gives the "before" figures on the old tree.
 *   npx node bench/dos.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemModule } from '../src/modules/system/index.ts';
import { analyzeLogLines } from '../src/modules/system/logs-analyzer.ts';
import type { ToolModule } from '../src/modules/types.ts';
import { keepAliveAgent, send } from '../test/resilience/support/http.ts';
import { openRawSession } from '../test/resilience/support/target.ts';
import { startTestGateway } from '../test/support/gateway.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-bench-dos-'));
writeFileSync(join(dir, 'a'.repeat(34)), 'x\n');
writeFileSync(join(dir, 'b'.repeat(60)), 'x\n');
writeFileSync(join(dir, 'lines.log'), `${'a'.repeat(40)}\n`);

const gw = await startTestGateway({
  modules: [systemModule as ToolModule],
  config: {
    http: { body_limit: '4MiB' },
    rate_limit: { per_principal: 1_000_000 },
    tools: { timeout: '10m' },
    modules: { system: { file_roots: [dir], file_deny: [`${'*b'.repeat(6)}c`] } },
  },
});
const agent = keepAliveAgent(2);
const token = await gw.token({ role: 'admin', name: 'bench' });
const nobody = await gw.token({ permissions: [], name: 'nobody' });
const headers = (bearer: string, session?: string) => ({
  host: new URL(gw.url).host,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${bearer}`,
  'mcp-protocol-version': '2025-06-18',
  ...(session ? { 'mcp-session-id': session } : {}),
});
const session = await openRawSession(gw.url, agent, token);
const nobodySession = await openRawSession(gw.url, agent, nobody);
const call = (name: string, args: unknown) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: Math.floor(Math.random() * 1e9),
    method: 'tools/call',
    params: { name, arguments: args },
  });

async function measure(label: string, body: string, bearer = token, sess = session): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const began = performance.now();
  const res = await send(gw.url, agent, { headers: headers(bearer, sess), body }, 600_000);
  const took = performance.now() - began;
  histogram.disable();
  const blocked = histogram.max / 1e6;
  console.log(
    `${label.padEnd(46)} longest event-loop block ${blocked.toFixed(0).padStart(6)} ms   request ${took.toFixed(0).padStart(6)} ms   status ${res.status}, ${res.body.length} bytes`,
  );
}

console.log(`node ${process.version}; each line: one request to a real gateway`);
await measure(
  'files_search name "**********x" (34-char name)',
  call('files_search', { path: dir, pattern: 'x', name: '**********x' }),
);
await measure(
  'files_search regex ".*.*.*.*.*.*.*.*x" (40-char lines)',
  call('files_search', { path: join(dir, 'lines.log'), pattern: '.*.*.*.*.*.*.*.*x', regex: true }),
);
await measure('files_list, deny glob "*b*b*b*b*b*bc" (60-char name)', call('files_list', { path: dir }));
await measure(
  'tools/call with a 1,000,000-character name',
  call('x'.repeat(1_000_000), {}),
  nobody,
  nobodySession,
);
await measure(
  'a 40,000-message batch',
  JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))),
);

const hostile = [
  'XFS '.repeat(2000),
  'ata0X'.repeat(1600),
  'Process 0 (0'.repeat(650),
  'Out of memory: Kill process 0 ('.repeat(250),
];
const lines = Array.from({ length: 300 }, (_, i) => hostile[i % hostile.length]!);
const began = performance.now();
analyzeLogLines(lines);
console.log(
  `${'log analyzer, 300 hostile lines of ~8,000 chars'.padEnd(46)} synchronous pass ${(performance.now() - began).toFixed(0).padStart(6)} ms`,
);

agent.destroy();
await gw.close();
rmSync(dir, { recursive: true, force: true });

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { cleanup, runContainer, testPrefix, waitFor } from '../docker/support.ts';
import { INITIALIZE, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { keepAliveAgent, messagesOf, send } from './support/http.ts';
import { type LivenessProbe, pollHealth } from './support/liveness.ts';
import { openRawSession } from './support/target.ts';

/**
 * Each input from issue 15 §1 (and the siblings found with it) that held the event loop for
 * seconds, sent to a real gateway while /health is polled. The test asserts that every poll is
 * answered within a generous deadline and that each hostile request gets its clear answer; on the
 * code before the fix the glob, regex, tool-name and analyzer cases each blocked /health past the
 * deadline, and the answers below (cut names, the batch refusal) were different.
 */
describe('no single call stalls the daemon', () => {
  let gw: TestGateway;
  let dir: string;
  let probe: LivenessProbe;
  const agent = keepAliveAgent(4);
  const prefix = testPrefix('dos');
  let sessionId: string;
  let viewer: string;
  let headers: Record<string, string>;

  const rpc = (method: string, params: unknown, id: unknown = Math.floor(Math.random() * 1e9)) =>
    JSON.stringify({ jsonrpc: '2.0', id, method, params });
  const call = async (body: string) => {
    const res = await send(
      gw.url,
      agent,
      { headers: { ...headers, 'mcp-session-id': sessionId }, body },
      120_000,
    );
    return { res, messages: res.status === 200 ? messagesOf(res) : [] };
  };
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  const resultOf = (messages: unknown[]): any => (messages[0] as { result?: unknown; error?: unknown }) ?? {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-dos-'));
    writeFileSync(join(dir, 'a'.repeat(34)), 'nothing to see\n');
    writeFileSync(join(dir, `${'a'.repeat(200)}.txt`), 'x\n');
    writeFileSync(
      join(dir, 'lines.log'),
      `${Array.from({ length: 2000 }, () => 'a'.repeat(40)).join('\n')}\n`,
    );
    gw = await startTestGateway({
      modules: [systemModule as ToolModule, dockerModule as ToolModule],
      config: {
        http: { body_limit: '4MiB' },
        rate_limit: { per_principal: 1_000_000 },
        tools: { timeout: '120s' },
        modules: {
          // A deny glob an administrator might write, matched against names anyone can create.
          system: { file_roots: [dir], file_deny: ['*a*a*a*a*a*a*a*a*a*a*b'] },
          docker: { logs_max_bytes: '8MiB' },
        },
      },
    });
    const admin = await gw.token({ role: 'admin', name: 'dos' });
    viewer = await gw.token({ permissions: [], name: 'nobody' });
    headers = {
      host: new URL(gw.url).host,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${admin}`,
      'mcp-protocol-version': '2025-06-18',
    };
    sessionId = await openRawSession(gw.url, agent, admin);
    probe = pollHealth(gw.url);
  }, 60_000);

  afterAll(async () => {
    await probe?.stop();
    agent.destroy();
    await cleanup(prefix);
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches the glob **********x against a 34-character name at once', async () => {
    const { messages } = await call(
      rpc('tools/call', {
        name: 'files_search',
        arguments: { path: dir, pattern: 'x', name: '**********x' },
      }),
    );
    expect(resultOf(messages).result.structuredContent.files_scanned).toBe(0);
  }, 120_000);

  it('runs the regex .*.*.*.*.*.*.*.*x over 40-character lines in linear time', async () => {
    const { messages } = await call(
      rpc('tools/call', {
        name: 'files_search',
        arguments: { path: join(dir, 'lines.log'), pattern: '.*.*.*.*.*.*.*.*x', regex: true },
      }),
    );
    const out = resultOf(messages).result.structuredContent;
    expect(out.matches).toEqual([]);
    expect(out.bytes_scanned).toBeGreaterThan(80_000);
  }, 120_000);

  it('matches a deny-list glob against long attacker-chosen names without backtracking', async () => {
    const { messages } = await call(rpc('tools/call', { name: 'files_list', arguments: { path: dir } }));
    expect(resultOf(messages).result.structuredContent.entries.length).toBeGreaterThan(0);
  }, 120_000);

  it('answers a 1,000,000-character tool name from a principal with no permissions quickly, cut, and audits it cut', async () => {
    const name = `\u001b[2J${'x'.repeat(1_000_000)}`;
    const own = await openRawSession(gw.url, agent, viewer);
    const answer = await send(
      gw.url,
      agent,
      {
        headers: { ...headers, authorization: `Bearer ${viewer}`, 'mcp-session-id': own },
        body: rpc('tools/call', { name, arguments: {} }),
      },
      120_000,
    );
    expect(answer.body.length).toBeLessThan(2000);
    expect(answer.body).toContain('Unknown tool');
    expect(answer.body).toContain('cut: 1000004 characters');
    const records = await gw.auditRecords();
    const denial = records.findLast(
      (r) => r.event === 'tool.decision' && String(r.tool).startsWith('\u001b'),
    );
    expect(String(denial?.tool).length).toBeLessThan(5000);
    expect(JSON.stringify(records).length).toBeLessThan(200_000);
  }, 120_000);

  it('refuses a 40,000-message batch before any per-message work, with a clear error', async () => {
    const batch = JSON.stringify(
      Array.from({ length: 40_000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })),
    );
    const res = await send(
      gw.url,
      agent,
      { headers: { ...headers, 'mcp-session-id': sessionId }, body: batch },
      120_000,
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(
      /a batch holds more than 100 messages; at most 100 are accepted/,
    );
    // Without a session too (the initialize check ran once per message).
    const fresh = await send(gw.url, agent, { headers, body: batch }, 120_000);
    expect(fresh.status).toBe(400);
  }, 120_000);

  it('analyses container logs of long hostile lines (quadratic for the old log rules) in slices', async () => {
    const script = [
      "xfs=$(printf 'XFS %.0s' $(seq 2000))",
      "ata=$(printf 'ata0X%.0s' $(seq 1600))",
      "oom=$(printf 'Process 0 (0%.0s' $(seq 650))",
      'i=0; while [ $i -lt 150 ]; do echo "$xfs"; echo "$ata"; echo "$oom"; i=$((i+1)); done',
      'echo done-writing; sleep 3600',
    ].join('; ');
    const container = await runContainer(prefix, 'loglines', { Cmd: ['sh', '-c', script] });
    await waitFor(
      async () => (await container.logs({ stdout: true, tail: 1 })).toString().includes('done-writing'),
      'the container to write its lines',
      60_000,
    );
    const { messages } = await call(
      rpc('tools/call', {
        name: 'docker_container_logs_analyze',
        arguments: { container: `${prefix}-loglines`, tail: 1000 },
      }),
    );
    const out = resultOf(messages).result.structuredContent;
    expect(out.lines_analyzed).toBeGreaterThan(400);
  }, 180_000);

  it('answers oversized prompt names, resource URIs, client names and rpc ids, and keeps records small', async () => {
    const long = 'p'.repeat(900_000);
    for (const body of [
      rpc('prompts/get', { name: long }),
      rpc('resources/read', { uri: `tailwarden://${long}` }),
      rpc('ping', {}, long),
      rpc('tools/call', { name: 'files_search', arguments: { path: dir, pattern: long } }),
    ]) {
      const { res, messages } = await call(body);
      expect(res.status).toBeLessThan(500);
      // Names are quoted back cut; only the rpc id must come back whole (JSON-RPC says so).
      const error = (messages[0] as { error?: { message: string } }).error;
      expect(error?.message.length ?? 0).toBeLessThan(2000);
    }
    const init = JSON.parse(INITIALIZE) as { params: { clientInfo: { name: string; version: string } } };
    init.params.clientInfo = { name: `\u009b31m${'c'.repeat(900_000)}`, version: 'v'.repeat(10_000) };
    const opened = await send(gw.url, agent, { headers, body: JSON.stringify(init) }, 120_000);
    const longClient = String(opened.headers['mcp-session-id']);
    await send(gw.url, agent, {
      headers: { ...headers, 'mcp-session-id': longClient },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    await send(gw.url, agent, {
      headers: { ...headers, 'mcp-session-id': longClient },
      body: rpc('tools/call', { name: 'files_list', arguments: { path: dir } }),
    });
    const records = await gw.auditRecords();
    const fromLong = records.filter((r) =>
      (r.client as { name?: string } | undefined)?.name?.startsWith('\u009b'),
    );
    expect(fromLong.length).toBeGreaterThan(0);
    for (const r of fromLong) expect(JSON.stringify(r).length).toBeLessThan(20_000);
    const raw = await import('node:fs/promises').then((fs) =>
      fs.readFile(join(gw.stateDir, 'audit.jsonl'), 'utf8'),
    );
    // Terminal-safe on disk: the C1 control is written as \u009b, not raw.
    expect(raw.includes('\u009b')).toBe(false);
    expect(raw).toContain('\\u009b31m');
  }, 120_000);

  it('kept answering /health all along', async () => {
    const { polls, missed, slowestMs } = await probe.stop();
    console.log(`/health: ${polls} polls, slowest ${slowestMs} ms`);
    expect(missed).toEqual([]);
    expect(polls).toBeGreaterThan(5);
    probe = pollHealth(gw.url); // afterAll stops it again
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProxmox, FULL_TOKEN, startFakeProxmox } from '../fakes/proxmox.ts';
import { clusterFor } from '../proxmox/support.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { waitFor } from '../support/wait.ts';
import { type HostileTarget, hostileCase } from './support/hostile-cases.ts';
import { answerProblem, boundedAll, keepAliveAgent, send } from './support/http.ts';
import { pollHealth } from './support/liveness.ts';
import { Rng, seedFromEnv } from './support/random.ts';
import type { JsonSchema } from './support/schema-values.ts';
import { denyAboveLow, everyModule, openRawSession } from './support/target.ts';

const SEED = seedFromEnv(0x7a11_3a4d);
const CASES = Number(process.env.TW_FUZZ_CASES ?? 10_000);
const CONCURRENCY = 8;

describe('hostile input against a running gateway', () => {
  let gw: TestGateway;
  let files: string;
  let pve: FakeProxmox;
  const agent = keepAliveAgent(CONCURRENCY);

  beforeAll(async () => {
    // What file tools are pointed at: a long name (globs), long lines (regexes), a log.
    files = mkdtempSync(join(tmpdir(), 'tw-hostile-files-'));
    writeFileSync(join(files, 'a'.repeat(200)), 'x\n');
    writeFileSync(join(files, 'lines.log'), `${'a'.repeat(40)}\n${'XFS '.repeat(1000)}\n`.repeat(20));
    pve = await startFakeProxmox();
    gw = await startTestGateway({
      modules: everyModule,
      config: {
        modules: {
          system: { file_roots: [files] },
          // Off by default, with a fake here: on, so its handlers meet the cases too.
          proxmox: {
            enabled: true,
            clusters: [clusterFor(pve, 'pve')],
            token_secret: FULL_TOKEN.secret,
          },
        },
        rate_limit: { per_principal: 100_000_000, auth_failures: 100_000_000 },
        // Handlers run only where a generated string can reach them; the rest stop at the
        // risk gate, which comes after the permission and input checks the fuzzer is aiming at.
        policy: denyAboveLow(everyModule, { unlessStringParameter: true }),
        tools: { timeout: '5s' },
      },
    });
  });
  afterAll(async () => {
    agent.destroy();
    await gw?.close();
    rmSync(files, { recursive: true, force: true });
    await pve?.close();
  });

  it(`answers ${CASES} generated malformed and adversarial requests without a crash, a 5xx or a malformed error`, async () => {
    const token = await gw.token({ role: 'admin', name: 'fuzzer' });
    const other = await gw.token({ role: 'admin', name: 'someone-else' });
    const target: HostileTarget = {
      host: new URL(gw.url).host,
      token,
      sessionId: await openRawSession(gw.url, agent, token),
      foreignSessionId: await openRawSession(gw.url, agent, other),
      tools: [...gw.gateway.registry.tools.values()].map((t) => ({
        name: t.def.name,
        inputSchema: t.listed.inputSchema as JsonSchema,
      })),
      samples: { path: files },
    };
    // No case may stall the daemon: /health must answer throughout (a generous liveness deadline).
    const liveness = pollHealth(gw.url);
    const rng = new Rng(SEED);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const statuses = new Map<number, number>();

    await boundedAll(
      Array.from({ length: CASES }, (_, i) => i),
      CONCURRENCY,
      async (index) => {
        // Cases are drawn in index order from one stream, so a seed always yields the same cases.
        const { kind, request } = hostileCase(rng, target);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const began = Date.now();
        try {
          const res = await send(gw.url, agent, request);
          if (process.env.TW_FUZZ_SLOW && Date.now() - began > 2000)
            console.log(
              'slow',
              index,
              kind,
              Date.now() - began,
              String(request.body).slice(0, 200),
              JSON.stringify(request.headers).slice(0, 400),
            );
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problem = answerProblem(res);
          if (problem) failures.push(`#${index} ${kind}: ${problem}`);
        } catch (error) {
          failures.push(`#${index} ${kind}: no answer (${(error as Error).message})`);
        }
      },
    );

    const health = await liveness.stop();
    const summary = `seed ${SEED} (replay with TW_FUZZ_SEED=${SEED}); kinds ${JSON.stringify(Object.fromEntries(kinds))}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; /health ${health.polls} polls, slowest ${health.slowestMs} ms`;
    expect(health.missed, summary).toEqual([]);
    console.log(`hostile input: ${CASES} cases, ${summary}`);
    // A count with the cases in the message: a diff of hostile strings is unreadable (and slow).
    expect(
      failures.length,
      `${failures.length} failures; ${summary}\n${failures.slice(0, 20).join('\n')}`,
    ).toBe(0);

    // Still alive and still serving the legitimate session.
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    const client = await gw.client(token);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const internal = gw.logs.filter((l) => Number(l.level) >= 50);
    expect(
      internal.map((l) => l.msg),
      summary,
    ).toEqual([]);
  }, 600_000); // liveness only: 10,000 requests take minutes at load 20 on two cores

  it('refuses a request id still in flight on the session instead of leaving the first answer hanging', async () => {
    // Its own gateway: the fuzzing one stops test_slow at the risk gate.
    const own = await startTestGateway({ modules: everyModule });
    const gw = own;
    const token = await gw.token({ role: 'admin', name: 'dup-ids' });
    const sessionId = await openRawSession(gw.url, agent, token);
    const headers = {
      host: new URL(gw.url).host,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    };
    const call = (args: Record<string, unknown>) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'test_slow', arguments: args },
      });
    // The first call is in flight once its decision is audited; it stays so for 5 s, ample
    // for one loopback request even on a loaded machine (nothing here waits on the 5 s).
    const first = send(gw.url, agent, { headers, body: call({ ms: 5000 }) });
    await waitFor(
      async () =>
        (await gw.auditRecords()).some((r) => r.tool === 'test_slow' && r.event === 'tool.decision'),
      'the first call to be in flight',
    );
    const second = await send(gw.url, agent, { headers, body: call({ ms: 0 }) });
    expect(second.status).toBe(409);
    expect(second.body).toContain('already used by a request in flight');
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body).toContain('"waited_ms":5000');
    // Once answered, the id is free again.
    expect((await send(gw.url, agent, { headers, body: call({ ms: 0 }) })).status).toBe(200);
    await own.close();
  });
});

import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../src/modules/index.ts';
import { hostFor } from '../ssh/fleet-support.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { boundedAll } from './support/http.ts';
import { Rng } from './support/random.ts';
import { type JsonSchema, stringProperties, validValue } from './support/schema-values.ts';
import { denyAboveLow } from './support/target.ts';

/**
 * Command injection through every string parameter of every low-risk tool of the
 * modules that start processes or talk SSH (system, docker, ssh). Tools above low
 * risk are denied by policy here (they would change the host), so they are not
 * targets; see docs/resilience.md. The SSH host is a real sshd on loopback, so a
 * command that escaped its quoting would touch the same /tmp this test watches.
 */

const MODULES = new Set(['system', 'docker', 'ssh']);
const TAG = `PWNED-${randomBytes(6).toString('hex')}`;
const CONCURRENCY = 6;

let counter = 0;
function payloads(): string[] {
  const marker = () => `/tmp/${TAG}-${counter++}`;
  return [
    `; touch ${marker()}`,
    `$(touch ${marker()})`,
    `\`touch ${marker()}\``,
    `\ntouch ${marker()}\n`,
    `' ; touch ${marker()} ; '`,
    `" && touch ${marker()} #`,
    `| touch ${marker()}`,
    `-exec touch ${marker()} ;`,
  ];
}

function withString(args: unknown, path: string[], value: string): Record<string, unknown> {
  const root = structuredClone((args ?? {}) as Record<string, unknown>);
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
  return root;
}

describe('command injection through every string parameter that reaches a process or SSH', () => {
  let sshd: TestSshd;
  let gw: TestGateway;
  let client: Client;

  beforeAll(async () => {
    sshd = await startSshd();
    const catalog = join(sshd.dir, 'echo.yaml');
    // A catalog parameter as loose as a catalog may make one: any text, leading dashes, newlines.
    writeFileSync(
      catalog,
      [
        'commands:',
        '  - name: echo_text',
        '    description: Echo text back (a free-form parameter).',
        "    argv: [echo, 'prefix-{text}', '{text}']",
        '    parameters:',
        '      text:',
        '        type: string',
        '        description: Any text.',
        '        allow_leading_dash: true',
        '        allow_newlines: true',
        '',
      ].join('\n'),
    );
    gw = await startTestGateway({
      modules: allModules,
      config: {
        rate_limit: { per_principal: 1_000_000 },
        policy: denyAboveLow(allModules),
        // Liveness bounds only. A call that times out, or an SSH host marked down after a slow
        // handshake on a loaded machine, says nothing about injection but drops an echo.
        tools: { timeout: '120s' },
        modules: {
          ssh: {
            enabled: true,
            catalogs: [catalog],
            hosts: [hostFor(sshd, 'alpha')],
            connect_timeout: '60s',
            command_timeout: '60s',
          },
        },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin', name: 'injector' }));
  });
  afterAll(async () => {
    await gw?.close();
    if (sshd) await disposeSshd(sshd);
  });

  // A hang guard only: the 1,056 calls take about a minute at load 12 and 4–10 minutes at
  // load 25–30 on two cores (each call starts processes or talks to Docker or SSH).
  it('never lets a payload run: no marker file appears', { timeout: 1_200_000 }, async () => {
    const rng = new Rng(0x1c0ffee);
    const calls: { tool: string; args: Record<string, unknown>; what: string }[] = [];
    const targets = new Set<string>();
    for (const t of gw.gateway.registry.tools.values()) {
      if (!MODULES.has(t.moduleId) || t.def.risk !== 'low' || t.hidden) continue;
      const schema = t.listed.inputSchema as JsonSchema;
      for (const path of stringProperties(schema)) {
        targets.add(t.def.name);
        for (const payload of payloads()) {
          const base = validValue(schema, rng);
          calls.push({ tool: t.def.name, args: withString(base, path, payload), what: path.join('.') });
          calls.push({
            tool: t.def.name,
            args: withString(base, path, `nginx${payload}`),
            what: `${path.join('.')} (suffix)`,
          });
        }
      }
    }
    // Catalog parameters travel inside `parameters`, a record the schema walk does not enter.
    for (const payload of payloads()) {
      for (const [command, name] of [
        ['echo_text', 'text'],
        ['service_status', 'unit'],
      ] as const) {
        calls.push({
          tool: 'ssh_command_run',
          args: { host: 'alpha', command, parameters: { [name]: payload } },
          what: `parameters.${name} of ${command}`,
        });
      }
    }

    const outcomes = new Map<string, number>();
    let echoed = 0;
    const notEchoed: string[] = [];
    await boundedAll(calls, CONCURRENCY, async ({ tool, args, what }) => {
      const result = await client.callTool({ name: tool, arguments: args });
      const text = (result.content as { text?: string }[])[0]?.text ?? '';
      const code = result.isError ? (/^\[(ERR_[A-Z_]+)\]/.exec(text)?.[1] ?? 'error') : 'ran';
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      expect(code, `${tool} ${what}: ${text.slice(0, 200)}`).not.toBe('ERR_INTERNAL');
      const out = result.structuredContent as { stdout?: string } | undefined;
      if (tool === 'ssh_command_run' && args.command === 'echo_text') {
        if (result.isError) notEchoed.push(text.slice(0, 200));
        else {
          // The payload came back as literal text: it was an argument, not shell syntax.
          const payload = String((args.parameters as { text: string }).text);
          expect(out?.stdout).toContain(`prefix-${payload}`);
          echoed++;
        }
      }
    });

    const touched = readdirSync('/tmp').filter((f) => f.startsWith(TAG));
    console.log(
      `injection: ${calls.length} calls into ${targets.size} low-risk tools (${[...targets].sort().join(', ')}); outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ${echoed} payloads echoed back literally over SSH`,
    );
    expect(touched).toEqual([]);
    expect(outcomes.get('ran') ?? 0).toBeGreaterThan(0);
    expect(notEchoed).toEqual([]);
    expect(echoed).toBe(8);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProxmox, FULL_TOKEN, startFakeProxmox } from '../fakes/proxmox.ts';
import { clusterFor } from '../proxmox/support.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  FLIPS_MEANING,
  isFreeText,
  OPTION_LIKE,
  stringSlots,
  TEST_CATALOG,
  VALID,
  withValue,
} from './support/approval-cases.ts';
import { boundedAll } from './support/http.ts';
import { Rng } from './support/random.ts';
import { type JsonSchema, validObject } from './support/schema-values.ts';
import { everyModule } from './support/target.ts';

/**
 * Part of the hostile-input suite: for every high- and critical-risk tool in the registry,
 * invalid arguments are refused before anything asks a person — no approval row is ever
 * created for a call that could not run — and every tool refuses argument names it does not take.
 */
const CODE = /^\[(ERR_[A-Z_]+)\]/;
const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? '';

describe('hostile input never reaches an approver', () => {
  let gw: TestGateway;
  let client: Client;
  let dir: string;
  let pve: FakeProxmox;

  beforeAll(async () => {
    pve = await startFakeProxmox();
    dir = mkdtempSync(join(tmpdir(), 'tw-test-approval-validation-'));
    writeFileSync(join(dir, 'catalog.yaml'), TEST_CATALOG);
    writeFileSync(join(dir, 'id_test'), 'not a key: nothing connects in this test\n');
    gw = await startTestGateway({
      modules: everyModule,
      config: {
        rate_limit: { per_principal: 1_000_000, auth_failures: 1_000_000 },
        modules: {
          system: { enabled: true },
          docker: { enabled: true, allowed_git_hosts: ['github.com'], stacks_dir: join(dir, 'stacks') },
          tailscale: { enabled: true, socket: join(dir, 'no-tailscaled.sock') },
          ssh: {
            enabled: true,
            catalogs: [join(dir, 'catalog.yaml')],
            hosts: [
              {
                name: 'web1',
                address: '127.0.0.1',
                user: 'deploy',
                key_file: join(dir, 'id_test'),
                docker: true,
              },
            ],
          },
          // Off by default, with a fake here: on, so its high and critical tools are covered too.
          proxmox: {
            enabled: true,
            clusters: [clusterFor(pve, 'pve')],
            token_secret: FULL_TOKEN.secret,
          },
        },
        // Nothing can run: what is below high is denied, and an approval is never given.
        policy: { low: 'deny', moderate: 'deny', high: 'approve', critical: 'approve', approval_wait: '0s' },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin', name: 'prober' }));
  });
  afterAll(async () => {
    await gw?.close();
    await pve?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const approvalRows = () => gw.gateway.approvals.store.list(undefined, 100_000).length;
  const risky = () =>
    [...gw.gateway.registry.tools.values()].filter((t) => t.def.risk === 'high' || t.def.risk === 'critical');

  function baseFor(name: string, schema: JsonSchema): Record<string, unknown> {
    return { ...validObject(schema, new Rng(1)), ...VALID[name] };
  }

  it('a valid call of every high/critical tool asks for an approval (the control for the refusals below)', async () => {
    const missing: string[] = [];
    for (const tool of risky()) {
      const schema = tool.listed.inputSchema as JsonSchema;
      const before = approvalRows();
      const result = await client.callTool({
        name: tool.def.name,
        arguments: baseFor(tool.def.name, schema),
      });
      if (!textOf(result).startsWith('[ERR_APPROVAL_PENDING]') || approvalRows() !== before + 1)
        missing.push(`${tool.def.name}: ${textOf(result).slice(0, 300)} (add valid arguments to VALID)`);
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it('option-like values in every name argument of every high/critical tool create no approval', async () => {
    const cases: { tool: string; slot: string[]; args: Record<string, unknown> }[] = [];
    for (const tool of risky()) {
      const schema = tool.listed.inputSchema as JsonSchema;
      const base = baseFor(tool.def.name, schema);
      for (const slot of stringSlots(schema, base)) {
        if (isFreeText(tool.def.name, slot)) continue;
        const values = [...OPTION_LIKE, ...(FLIPS_MEANING[slot[0]!] ?? [])];
        for (const value of values)
          cases.push({ tool: tool.def.name, slot, args: withValue(base, slot, value) });
      }
    }
    expect(cases.length).toBeGreaterThan(200);
    const before = approvalRows();
    const reached: string[] = [];
    await boundedAll(cases, 8, async ({ tool, slot, args }) => {
      const text = textOf(await client.callTool({ name: tool, arguments: args }));
      const code = CODE.exec(text)?.[1];
      if (code === 'ERR_APPROVAL_PENDING' || code === undefined)
        reached.push(`${tool} ${slot.join('.')}=${JSON.stringify(args)} → ${text.slice(0, 200)}`);
    });
    expect(reached).toEqual([]);
    expect(approvalRows()).toBe(before);
  }, 300_000);

  it('every tool refuses an argument name it does not take, naming it and the closest one', async () => {
    const wrong: string[] = [];
    const before = approvalRows();
    await boundedAll([...gw.gateway.registry.tools.values()], 8, async (tool) => {
      const schema = tool.listed.inputSchema as JsonSchema;
      const known = Object.keys(schema.properties ?? {}).filter((k) => k !== 'approval_id');
      const typo = known[0] ? `${known[0]}zz` : 'forse';
      const args = { ...baseFor(tool.def.name, schema), [typo]: true };
      const text = textOf(await client.callTool({ name: tool.def.name, arguments: args }));
      if (!text.startsWith('[ERR_INPUT_REJECTED]') || !text.includes(`unknown argument "${typo}"`))
        wrong.push(`${tool.def.name}: ${text.slice(0, 200)}`);
    });
    expect(wrong).toEqual([]);
    expect(approvalRows()).toBe(before);
    const forse = textOf(
      await client.callTool({
        name: 'docker_container_remove',
        arguments: { container: 'web', forse: true },
      }),
    );
    expect(forse).toContain('unknown argument "forse" (did you mean "force"?)');
  }, 120_000);

  it('the reserved approval_id still works beside a strict input', async () => {
    const text = textOf(
      await client.callTool({
        name: 'system_service_restart',
        arguments: { unit: 'nginx', approval_id: `apr_${'0'.repeat(20)}` },
      }),
    );
    expect(text).toContain('There is no approval');
  });
});

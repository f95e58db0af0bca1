import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RISKS } from '../../src/mcp/tool.ts';
import { allModules } from '../../src/modules/index.ts';
import { GATEWAY_CLIENT, startTestIdp, type TestIdp } from '../auth/support/idp.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { boundedAll } from './support/http.ts';
import { ROLES, roleHolds } from './support/roles.ts';

/**
 * Every tool × every role × each auth mode: a call gets past the permission check
 * exactly when the role's (expanded) permissions hold the tool's permission, and
 * tools/list shows exactly those tools. Every risk level is set to `deny`, so a call
 * that passes the permission check stops at input validation (empty arguments) or at
 * the risk gate and nothing runs: the DECISION is what is asserted.
 */

const PUBLIC_URL = 'https://warden.example.ts.net';
const RESOURCE = `${PUBLIC_URL}/mcp`;
const CONCURRENCY = 8;

const MODES = ['token', 'oidc'] as const;

const CODE = /^\[(ERR_[A-Z_]+)\]/;

describe('authorization matrix: every tool × every role × token and oidc', () => {
  let idp: TestIdp;
  let gw: TestGateway;

  beforeAll(async () => {
    idp = await startTestIdp(
      Object.fromEntries(
        Object.keys(ROLES).map((role) => [
          role,
          { email: `${role}@example.com`, username: role, roles: [role] },
        ]),
      ),
    );
    gw = await startTestGateway({
      modules: allModules,
      config: {
        public_url: PUBLIC_URL,
        rate_limit: { per_principal: 1_000_000, auth_failures: 1_000_000 },
        roles: ROLES,
        auth: {
          modes: ['token', 'oidc'],
          oidc: {
            issuer: idp.issuer,
            client_id: GATEWAY_CLIENT.id,
            client_secret: GATEWAY_CLIENT.secret,
            timeout: '60s', // liveness only: the issuer runs in this (busy) process
          },
        },
        // Every module on, so every tool is listed; the ones whose engine is missing here still
        // get a decision, which is all this test looks at.
        modules: {
          system: { enabled: true },
          docker: { enabled: true },
          tailscale: { enabled: true, socket: '/nonexistent/tw-test-authz/tailscaled.sock' },
          ssh: { enabled: true },
          // Nothing listens there: every call stops at the permission, input or risk check first.
          proxmox: {
            enabled: true,
            clusters: [
              {
                name: 'pve',
                url: 'https://127.0.0.1:9',
                token_id: 'tailwarden@pve!gateway',
                fingerprint: 'AA'.repeat(32),
              },
            ],
          },
        },
        policy: Object.fromEntries(RISKS.map((r) => [r, 'deny'])),
        tools: { timeout: '5s' },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await idp?.close();
  });

  it('has every registered tool exposed, so the matrix is complete', () => {
    const tools = [...gw.gateway.registry.tools.values()];
    const expected = allModules.reduce((n, m) => n + m.tools.length, 0);
    expect(tools.length).toBe(expected);
    expect(tools.filter((t) => t.hidden !== undefined).map((t) => `${t.def.name}: ${t.hidden}`)).toEqual([]);
  });

  it('permits a call (and lists the tool) exactly when the role holds its permission', async () => {
    const tools = [...gw.gateway.registry.tools.values()].map((t) => t.def);
    const clients: { mode: string; role: string; client: Client; sessionId: string }[] = [];
    for (const mode of MODES) {
      for (const role of Object.keys(ROLES)) {
        const token =
          mode === 'token'
            ? await gw.token({ role, name: `matrix-${role}` })
            : await idp.mint({ user: role, resource: RESOURCE });
        const client = await gw.client(token, { name: `matrix-${mode}-${role}` });
        const sessionId = (client.transport as { sessionId?: string } | undefined)?.sessionId ?? '';
        clients.push({ mode, role, client, sessionId });
      }
    }

    const mismatches: string[] = [];
    const decisions = new Map<string, string>(); // `${sessionId} ${tool}` → code seen by the client
    let permitted = 0;
    let refused = 0;
    for (const { mode, role, client } of clients) {
      const listed = new Set((await client.listTools()).tools.map((t) => t.name));
      for (const t of tools) {
        if (listed.has(t.name) !== roleHolds(role, t.permission))
          mismatches.push(`${mode}/${role}: tools/list ${listed.has(t.name) ? 'shows' : 'hides'} ${t.name}`);
      }
    }

    const cells = clients.flatMap((c) => tools.map((tool) => ({ ...c, tool })));
    await boundedAll(cells, CONCURRENCY, async ({ mode, role, client, sessionId, tool }) => {
      const allowed = roleHolds(role, tool.permission);
      const result = await client.callTool({ name: tool.name, arguments: {} });
      const text = (result.content as { type: string; text?: string }[])[0]?.text ?? '';
      const code = CODE.exec(text)?.[1] ?? `(no code: ${text.slice(0, 80)})`;
      decisions.set(`${sessionId} ${tool.name}`, code);
      if (!result.isError) mismatches.push(`${mode}/${role} ${tool.name}: ran although every risk is denied`);
      if (allowed) permitted++;
      else refused++;
      const expected = allowed ? ['ERR_POLICY_DENIED', 'ERR_INPUT_REJECTED'] : ['ERR_PERMISSION_DENIED'];
      if (!expected.includes(code))
        mismatches.push(`${mode}/${role} ${tool.name} (${tool.permission}): got ${code}, want ${expected}`);
    });

    // The audit log records the same decision for every cell.
    const records = (await gw.auditRecords()).filter((r) => r.event === 'tool.decision');
    const audited = new Map(records.map((r) => [`${r.session_id} ${r.tool}`, r]));
    for (const [key, code] of decisions) {
      const record = audited.get(key);
      if (record?.decision !== 'denied' || record.error_code !== code)
        mismatches.push(`${key}: audit says ${JSON.stringify(record?.error_code)}, client saw ${code}`);
    }

    console.log(
      `authz matrix: ${tools.length} tools × ${Object.keys(ROLES).length} roles × ${MODES.length} modes = ${cells.length} calls; ${permitted} past the permission check, ${refused} refused with ERR_PERMISSION_DENIED`,
    );
    expect(mismatches).toEqual([]);
    expect(permitted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(records.some((r) => String(JSON.stringify(r.principal)).includes(`oidc:${idp.issuer}`))).toBe(
      true,
    );
  }, 300_000); // a liveness bound: ~2,500 calls take a while on a loaded 2-core machine
});

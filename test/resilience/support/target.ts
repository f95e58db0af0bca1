import type { Agent } from 'node:http';
import { z } from 'zod';
import { RISKS } from '../../../src/mcp/tool.ts';
import { allModules } from '../../../src/modules/index.ts';
import type { ToolModule } from '../../../src/modules/types.ts';
import { INITIALIZE } from '../../support/gateway.ts';
import { testModule } from '../../support/test-module.ts';
import { send } from './http.ts';
import { type JsonSchema, stringProperties } from './schema-values.ts';

/** Every shipped module plus the test module: new modules are covered as soon as they are in allModules. */
export const everyModule: readonly ToolModule[] = [...allModules, testModule];

/**
 * Policy that denies every tool above low risk, so a generated call can never
 * change anything, while the permission and input checks still run first.
 */
export function denyAboveLow(
  modules: readonly ToolModule[] = everyModule,
  options: { unlessStringParameter?: boolean } = {},
): Record<string, unknown> {
  const rules: Record<string, string> = {};
  for (const m of modules) {
    for (const t of m.tools) {
      const reachable =
        stringProperties(z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema)
          .length > 0;
      if (t.risk !== 'low' || (options.unlessStringParameter && !reachable)) rules[t.name] = 'deny';
    }
  }
  return {
    low: 'allow',
    ...Object.fromEntries(RISKS.filter((r) => r !== 'low').map((r) => [r, 'deny'])),
    tools: rules,
  };
}

/** Open an MCP session with raw HTTP (initialize + initialized); resolves with its id. */
export async function openRawSession(url: string, agent: Agent, token: string): Promise<string> {
  const host = new URL(url).host;
  const headers = {
    host,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
  };
  const res = await send(url, agent, { headers, body: INITIALIZE });
  const id = res.headers['mcp-session-id'];
  if (res.status !== 200 || typeof id !== 'string')
    throw new Error(`initialize failed: ${res.status} ${res.body}`);
  await send(url, agent, {
    headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return id;
}

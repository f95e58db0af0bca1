import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { GatewayError } from '../../src/errors.ts';
import { defineTool } from '../../src/mcp/tool.ts';
import { defineModule, type ToolModule } from '../../src/modules/types.ts';

/** Tools that exist only in tests, to exercise the call wrapper without touching the host. */
export const testTools = {
  echo: defineTool({
    name: 'test_echo',
    title: 'Test: Echo',
    description: 'Returns its input.',
    permission: 'system:read',
    risk: 'low',
    input: z.object({ text: z.string().max(100), api_token: z.string().optional() }),
    output: z.object({ text: z.string() }),
    handler: ({ text }) => ({ text }),
  }),
  slow: defineTool({
    name: 'test_slow',
    title: 'Test: Slow',
    description: 'Waits, reporting progress, then returns.',
    permission: 'system:read',
    risk: 'low',
    input: z.object({ ms: z.number().int().min(0).max(60_000) }),
    output: z.object({ waited_ms: z.number() }),
    handler: async ({ ms }, ctx) => {
      const steps = 4;
      for (let i = 1; i <= steps; i++) {
        await sleep(ms / steps, undefined, { signal: ctx.signal });
        await ctx.progress({ progress: i, total: steps });
      }
      return { waited_ms: ms };
    },
  }),
  fail: defineTool({
    name: 'test_fail',
    title: 'Test: Fail',
    description: 'Fails, with a gateway error or an unexpected one.',
    permission: 'system:read',
    risk: 'low',
    input: z.object({ kind: z.enum(['gateway', 'unexpected', 'bad_output']) }),
    output: z.object({ never: z.string() }),
    handler: ({ kind }) => {
      if (kind === 'gateway')
        throw new GatewayError('ERR_UPSTREAM_UNAVAILABLE', 'The engine is down; start it.');
      if (kind === 'unexpected') throw new Error('secret internal detail /etc/shadow');
      return { wrong: 1 } as unknown as { never: string };
    },
  }),
  restart: defineTool({
    name: 'test_thing_restart',
    title: 'Test: Restart thing',
    description: 'A high-risk write.',
    permission: 'system:write',
    risk: 'high',
    input: z.object({ name: z.string() }),
    output: z.object({ restarted: z.string() }),
    summarize: ({ name }) => `Restart the thing "${name}".`,
    handler: ({ name }) => ({ restarted: name }),
  }),
  wipe: defineTool({
    name: 'test_thing_wipe',
    title: 'Test: Wipe thing',
    description: 'A critical write.',
    permission: 'system:admin',
    risk: 'critical',
    input: z.object({ name: z.string() }),
    output: z.object({ wiped: z.string() }),
    summarize: ({ name }) => `Wipe the thing "${name}" for good.`,
    handler: ({ name }) => ({ wiped: name }),
  }),
};

export const testModule: ToolModule = defineModule<unknown>({
  id: 'test',
  title: 'Test',
  enabled: () => true,
  tools: Object.values(testTools),
  start: () => ({ context: {}, health: () => ({ status: 'ok' }) }),
});

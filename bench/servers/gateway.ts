// tailwarden with token auth, the full call wrapper and the audit log, exposing only bench_echo.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.ts';
import { configFrom } from '../../src/config/load.ts';
import { startGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/log.ts';
import { defineTool } from '../../src/mcp/tool.ts';
import { defineModule, type ToolModule } from '../../src/modules/types.ts';
import { announce, ECHO } from './echo-tool.ts';

const benchModule = defineModule({
  id: 'bench',
  title: 'Bench',
  enabled: () => true,
  tools: [defineTool({ ...ECHO, permission: 'system:read', risk: 'low', handler: ({ text }) => ({ text }) })],
  start: () => ({ context: {}, health: () => ({ status: 'ok' as const }) }),
});

const config = configFrom({
  state_dir: mkdtempSync(join(tmpdir(), 'tw-bench-')),
  // The per-principal limit (600/min by default) would measure the limiter, not the gateway.
  rate_limit: { per_principal: 1_000_000_000 },
});
const gateway = await startGateway(config, { log: silentLogger(), modules: [benchModule as ToolModule] });
const app = await buildApp(config, gateway, { processMetrics: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const { token } = await gateway.tokens.create({
  name: 'bench',
  role: 'viewer',
  permissions: [],
  ttlMs: 3_600_000,
});
process.stdout.write(`${JSON.stringify({ token })}\n`);
announce((app.server.address() as { port: number }).port);
// Exit normally on a signal so `--cpu-prof` can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

// The 2026-07-28 baseline: SDK v2 alone on node:http (createMcpHandler, a fresh McpServer per
// request, as the SDK documents it), the same tool, no auth, no audit.
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { announce, readJson } from './echo-tool.ts';
import { echoServerV2 } from './sdk-v2.ts';

const handler = createMcpHandler(() => echoServerV2('bare-v2'));
const node = toNodeHandler(handler);
const server = createServer(async (req, res) => {
  await node(req, res, req.method === 'POST' ? await readJson(req) : undefined);
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

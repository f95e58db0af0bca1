// The 2026-07-28 baseline: SDK v2 alone on node:http (createMcpHandler, a fresh McpServer per
// request, as the SDK documents it), the same tool, no auth, no audit.
import { createServer, type IncomingMessage } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { announce, ECHO } from './echo-tool.ts';

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const handler = createMcpHandler(() => {
  const mcp = new McpServer({ name: 'bare-v2', version: '1.0.0' });
  mcp.registerTool(
    ECHO.name,
    { title: ECHO.title, description: ECHO.description, inputSchema: ECHO.input, outputSchema: ECHO.output },
    async ({ text }) => ({
      content: [{ type: 'text', text: JSON.stringify({ text }) }],
      structuredContent: { text },
    }),
  );
  return mcp;
});
const node = toNodeHandler(handler);
const server = createServer(async (req, res) => {
  await node(req, res, req.method === 'POST' ? await readJson(req) : undefined);
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

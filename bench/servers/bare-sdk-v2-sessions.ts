// The 2025 era on SDK v2 alone: its sessionful Streamable HTTP transport (the one tailwarden's 2025 door
// runs) on node:http, stateful sessions, the same tool, no auth, no audit. Shows what the transport costs
// by itself against SDK v1's.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { announce, ECHO } from './echo-tool.ts';

const transports = new Map<string, NodeStreamableHTTPServerTransport>();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const server = createServer(async (req, res) => {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  const id = req.headers['mcp-session-id'];
  let transport = typeof id === 'string' ? transports.get(id) : undefined;
  if (!transport) {
    const mcp = new McpServer({ name: 'bare-v2-sessions', version: '1.0.0' });
    mcp.registerTool(
      ECHO.name,
      {
        title: ECHO.title,
        description: ECHO.description,
        inputSchema: ECHO.input,
        outputSchema: ECHO.output,
      },
      async ({ text }) => ({
        content: [{ type: 'text', text: JSON.stringify({ text }) }],
        structuredContent: { text },
      }),
    );
    const created = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => {
        transports.set(sid, created);
      },
    });
    await mcp.connect(created);
    transport = created;
  }
  await transport.handleRequest(req, res, body);
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

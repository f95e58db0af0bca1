// SDK v2's sessionful transport behind a fastify route (hijacked, as tailwarden's 2025 door does), the same
// tool, no auth, no audit: beside bare-sdk-v2-sessions.ts it shows what fastify itself costs a call.
import { randomUUID } from 'node:crypto';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import Fastify from 'fastify';
import { announce, ECHO } from './echo-tool.ts';

const transports = new Map<string, NodeStreamableHTTPServerTransport>();

const app = Fastify({ logger: false });
app.all('/mcp', async (request, reply) => {
  const req = request.raw;
  const res = reply.raw;
  const body = request.body;
  reply.hijack();
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
await app.listen({ host: '127.0.0.1', port: 0 });
announce((app.server.address() as { port: number }).port);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

// The baseline: the MCP SDK alone on node:http, stateful sessions, the same tool, no auth, no audit.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { announce, ECHO, readJson } from './echo-tool.ts';

const transports = new Map<string, StreamableHTTPServerTransport>();

const server = createServer(async (req, res) => {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  const id = req.headers['mcp-session-id'];
  let transport = typeof id === 'string' ? transports.get(id) : undefined;
  if (!transport) {
    const mcp = new McpServer({ name: 'bare', version: '1.0.0' });
    mcp.registerTool(
      ECHO.name,
      {
        title: ECHO.title,
        description: ECHO.description,
        inputSchema: ECHO.input.shape,
        outputSchema: ECHO.output.shape,
      },
      async ({ text }) => ({
        content: [{ type: 'text', text: JSON.stringify({ text }) }],
        structuredContent: { text },
      }),
    );
    const created = new StreamableHTTPServerTransport({
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

// The echo tool on SDK v2 (the 2026-07-28 baseline builds one per request) and SDK v2's sessionful transport
// (the one tailwarden's 2025 door runs) serving it, one server per session: shared by the SDK v2 bench servers.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { ECHO } from './echo-tool.ts';

/** An SDK v2 server exposing the echo tool. */
export function echoServerV2(name: string): McpServer {
  const mcp = new McpServer({ name, version: '1.0.0' });
  mcp.registerTool(
    ECHO.name,
    { title: ECHO.title, description: ECHO.description, inputSchema: ECHO.input, outputSchema: ECHO.output },
    async ({ text }) => ({
      content: [{ type: 'text', text: JSON.stringify({ text }) }],
      structuredContent: { text },
    }),
  );
  return mcp;
}

/** Handles one request: the session's transport, or a new session's on initialize. */
export function v2SessionHandler(name: string) {
  const transports = new Map<string, NodeStreamableHTTPServerTransport>();
  return async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (!transport) {
      const created = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => {
          transports.set(sid, created);
        },
      });
      await echoServerV2(name).connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  };
}

export const ACCEPT = 'application/json, text/event-stream';

/**
 * Open an MCP session over raw HTTP (initialize, then notifications/initialized) and return the
 * headers that use it. Raw requests keep the load generator cheap: SDK clients cost more than the server.
 */
export async function openSession(
  base: string,
  token?: string,
  name = 'bench',
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: ACCEPT };
  if (token) headers.authorization = `Bearer ${token}`;
  const init = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name, version: '1' } },
    }),
  });
  await init.text();
  const session = init.headers.get('mcp-session-id');
  if (!session) throw new Error(`initialize failed: HTTP ${init.status}`);
  const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  const ack = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: sessionHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.text();
  return sessionHeaders;
}

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

export const MODERN_REVISION = '2026-07-28';

/** Headers of a 2026-07-28 request: no session, the method (and name) repeated from the body. */
export function modernHeaders(
  method: string,
  name: string | undefined,
  token?: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: ACCEPT,
    'mcp-protocol-version': MODERN_REVISION,
    'mcp-method': method,
    ...(name !== undefined ? { 'mcp-name': name } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A 2026-07-28 request body: params carry the per-request `_meta` envelope. */
export function modernBody(id: number, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      },
    },
  });
}

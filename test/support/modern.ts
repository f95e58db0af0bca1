import { MODERN_REVISION } from './gateway.ts';

const NAMED = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * One raw 2026-07-28 request: the per-request `_meta` envelope and the
 * `Mcp-Method` / `Mcp-Name` headers, built by hand so tests can see (and
 * break) the wire.
 */
export function modernPost(
  url: string,
  init: {
    token?: string;
    method: string;
    params?: Record<string, unknown>;
    id?: number | string;
    headers?: Record<string, string>;
    capabilities?: Record<string, unknown>;
  },
): Promise<Response> {
  const params = init.params ?? {};
  const name = NAMED.has(init.method) ? String(params.name ?? params.uri ?? '') : undefined;
  const body = {
    jsonrpc: '2.0',
    id: init.id ?? 1,
    method: init.method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
        'io.modelcontextprotocol/clientCapabilities': init.capabilities ?? {},
        'io.modelcontextprotocol/clientInfo': { name: 'raw-modern', version: '1' },
      },
    },
  };
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_REVISION,
      'mcp-method': init.method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body: JSON.stringify(body),
  });
}

/** The JSON-RPC message of a modern answer, whether it came as JSON or as one SSE event. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
export async function rpcOf(res: Response): Promise<any> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter(Boolean);
  return JSON.parse(data.at(-1)!);
}

import { Agent, type OutgoingHttpHeaders, request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  /** Header values as arrays are sent as repeated header lines (duplicate Authorization, etc.). */
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

/** One HTTP/1.1 request over a keep-alive agent; resolves with the whole answer, rejects on a reset or after `timeoutMs`. */
export function send(url: string, agent: Agent, req: RawRequest, timeoutMs = 60_000): Promise<RawResponse> {
  const target = new URL(req.path ?? '/mcp', url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: req.method ?? 'POST',
        path: target.pathname + target.search,
        headers: req.headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** JSON-RPC messages in a response body: plain JSON, or the `data:` lines of an SSE stream. */
export function messagesOf(res: RawResponse): unknown[] {
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('text/event-stream')) {
    return res.body
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter(Boolean)
      .map((data) => JSON.parse(data) as unknown);
  }
  if (res.body.trim() === '') return [];
  const parsed = JSON.parse(res.body) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a JSON-RPC message is malformed, or undefined when it is a well-formed response or notification. */
export function jsonRpcProblem(message: unknown): string | undefined {
  if (!isRecord(message)) return 'not an object';
  if (message.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if ('error' in message) {
    const error = message.error;
    if (!isRecord(error)) return 'error is not an object';
    if (!Number.isInteger(error.code)) return 'error.code is not an integer';
    if (typeof error.message !== 'string' || error.message.length === 0) return 'error.message is empty';
    return undefined;
  }
  if ('result' in message) return isRecord(message.result) ? undefined : 'result is not an object';
  if (typeof message.method === 'string') return undefined; // a notification or server request
  return 'neither result, error nor method';
}

/**
 * Why an answer breaks the contract, or undefined when it holds: no 5xx; an
 * error status carries a JSON-RPC error or an HTTP error body {error, message}
 * (the bodyless answers Node's own parser gives to hopeless requests are allowed);
 * a 2xx carries well-formed JSON-RPC.
 */
export function answerProblem(res: RawResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.body.slice(0, 300)}`;
  if (res.status === 0) return 'no status';
  // Node's HTTP parser answers these itself, without a body, before the app sees the request.
  if ((res.status === 400 || res.status === 431) && res.body === '') return undefined;
  let messages: unknown[];
  try {
    messages = messagesOf(res);
  } catch (error) {
    return `status ${res.status}: body is not JSON (${(error as Error).message}): ${res.body.slice(0, 200)}`;
  }
  if (res.status >= 400) {
    const [body] = messages;
    if (messages.length !== 1 || !isRecord(body)) return `status ${res.status}: no error body`;
    if ('jsonrpc' in body) {
      const problem = jsonRpcProblem(body);
      if (problem) return `status ${res.status}: ${problem}`;
      return 'error' in body ? undefined : `status ${res.status} with a JSON-RPC result`;
    }
    if (
      typeof body.error !== 'string' ||
      (typeof body.message !== 'string' && typeof body.error_description !== 'string')
    )
      return `status ${res.status}: error body lacks error/message: ${res.body.slice(0, 200)}`;
    return undefined;
  }
  for (const message of messages) {
    const problem = jsonRpcProblem(message);
    if (problem) return `status ${res.status}: ${problem}: ${JSON.stringify(message).slice(0, 200)}`;
  }
  return undefined;
}

/** Run `work` over `items` with at most `limit` in flight. */
export async function boundedAll<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

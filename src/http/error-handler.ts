import type { FastifyError, FastifyInstance } from 'fastify';
import { oversizedBatchText } from './batch-guard.ts';

const BATCH_TOO_LARGE = 'TW_BATCH_TOO_LARGE';

/**
 * Errors fastify raises before a route runs, as JSON-RPC-shaped bodies MCP
 * clients understand: oversized body → 413, malformed JSON → 400 parse error.
 */
export function registerErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  // Prototype-poisoning-safe JSON, and an empty body is fine on GET/DELETE (some clients send a content type anyway).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method !== 'POST') return done(null, undefined);
    // An oversized JSON-RPC batch is refused before it is parsed (see batch-guard.ts).
    const batch = oversizedBatchText(body as string);
    if (batch)
      return done(
        Object.assign(new Error(batch.message), { statusCode: 400, code: BATCH_TOO_LARGE }),
        undefined,
      );
    parseJson(request, body as string, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const rpc = (status: number, code: number, message: string) =>
      reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return rpc(413, -32600, `Request body too large: the limit is ${bodyLimit} bytes (http.body_limit).`);
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return rpc(400, -32700, `Parse error: the body is not valid JSON (${error.message}).`);
      case BATCH_TOO_LARGE:
        return rpc(400, -32600, error.message);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return rpc(415, -32600, 'Unsupported Content-Type: send application/json.');
      default:
        if (error.statusCode && error.statusCode < 500) {
          return reply
            .code(error.statusCode)
            .send({ error: error.code ?? 'bad_request', message: error.message });
        }
        request.log.error({ err: error }, 'request failed');
        return reply
          .code(500)
          .send({ error: 'internal', message: 'Internal error; the gateway log has the details.' });
    }
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `No route ${request.method} ${request.url}. The MCP endpoint is /mcp.`,
    }),
  );
}

import type { FastifyReply } from 'fastify';

/** A JSON-RPC error answered before the SDK sees the request (limits, sessions, routing). */
export function jsonRpcError(
  reply: FastifyReply,
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
): FastifyReply {
  return reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id });
}

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authInfoFor, createMcpServer, type McpServerDeps } from '../mcp/server.ts';
import { admitRequestIds } from './batch-guard.ts';
import type { InflightResponses } from './inflight.ts';
import { jsonRpcError } from './jsonrpc-reply.ts';
import type { SessionStore } from './sessions.ts';

/** Tell the session's server, as the client would with notifications/cancelled, that these requests are abandoned. */
function cancelRequests(transport: NodeStreamableHTTPServerTransport, body: unknown): void {
  const messages = Array.isArray(body) ? body : [body];
  for (const m of messages) {
    if (!m || typeof m !== 'object' || !('method' in m) || !('id' in m)) continue;
    const requestId = (m as { id: string | number }).id;
    transport.onmessage?.({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId, reason: 'The client closed the connection before the answer.' },
    });
  }
}

function isInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
}

/**
 * A POST's event stream sends its status and headers with its first event, as the SDK v1 transport did
 * (and as the 2025 era sessions had it before SDK v2): the node adapter flushes them on their own as soon
 * as the stream opens, which costs one more write on the socket per call (and, on loopback, the receiver's
 * wake-up with it): 1.1 s of a 15 s profile of bench/eras.ts (2025 era). The first event comes at
 * the latest with the SDK's keep-alive comment (15 s); the standalone GET stream keeps the early headers.
 */
function headersWithFirstEvent(response: ServerResponse): void {
  response.flushHeaders = () => {};
}

/**
 * The 2025-era door: one SDK v2 sessionful Streamable HTTP transport and
 * server per session, bound to the principal that opened it, under the
 * session limits and idle expiry of the SessionStore. Authentication has
 * already run (onRequest).
 */
export function legacyDoor(sessions: SessionStore, deps: McpServerDeps, inflight: InflightResponses) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal!;
    const sessionId = request.headers['mcp-session-id'];
    let transport: NodeStreamableHTTPServerTransport;

    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session)
        return jsonRpcError(
          reply,
          404,
          -32001,
          'Session not found: it expired or was closed. Start a new session (initialize).',
        );
      if (session.principalId !== principal.id) {
        request.log.warn(
          { session_id: sessionId, principal: principal.id },
          'session used by another principal',
        );
        return jsonRpcError(
          reply,
          403,
          -32001,
          'This session belongs to another principal; start your own session.',
        );
      }
      const { ids, refusal } = admitRequestIds(request.body, session.inflightIds);
      if (refusal) return jsonRpcError(reply, refusal.status, refusal.code, refusal.message);
      for (const id of ids) session.inflightIds.add(id);
      reply.raw.on('close', () => {
        for (const id of ids) session.inflightIds.delete(id);
        // The client went away before its answer: cancel what it asked, so a call waiting (for an
        // approval, say) never runs afterwards for nobody. The same path as notifications/cancelled.
        if (!reply.raw.writableFinished) cancelRequests(session.transport, request.body);
      });
      session.lastSeenAt = Date.now();
      transport = session.transport;
    } else if (request.method === 'POST' && isInitialize(request.body)) {
      const refusal = sessions.refusal(principal.id);
      if (refusal) return jsonRpcError(reply.header('retry-after', '30'), 503, -32000, refusal);
      const release = sessions.reserve();
      const server = createMcpServer(deps, 'legacy');
      transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          release();
          const now = Date.now();
          sessions.add({
            id,
            principalId: principal.id,
            transport,
            server,
            createdAt: now,
            lastSeenAt: now,
            inflightIds: new Set(),
          });
        },
      });
      server.onclose = () => {
        release();
        if (!transport.sessionId) return;
        sessions.remove(transport.sessionId);
        deps.catalog.unsubscribeSession(transport.sessionId);
      };
      await server.connect(transport);
      reply.raw.on('close', () => {
        release();
        if (!transport.sessionId) void server.close(); // initialize failed: nothing to keep
      });
    } else {
      return jsonRpcError(
        reply,
        400,
        -32000,
        'Bad Request: send initialize first, then the Mcp-Session-Id it returns with every request (or speak the 2026-07-28 protocol, which needs no session).',
      );
    }

    const raw = request.raw as typeof request.raw & { auth?: unknown };
    raw.auth = authInfoFor(principal);
    reply.hijack();
    if (request.method === 'POST') {
      inflight.track(reply.raw);
      headersWithFirstEvent(reply.raw);
    }
    await transport.handleRequest(raw as never, reply.raw, request.body);
  };
}

import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { McpServerDeps } from '../mcp/server.ts';
import { oversizedBatch } from './batch-guard.ts';
import type { InflightResponses } from './inflight.ts';
import { jsonRpcError } from './jsonrpc-reply.ts';
import { legacyDoor } from './legacy-door.ts';
import type { ModernDoor } from './modern-door.ts';
import type { SessionStore } from './sessions.ts';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * POST/GET/DELETE /mcp: one endpoint, two doors into the same server factory
 * and call wrapper. The SDK's own classification (the step `isLegacyRequest`
 * runs, fed the body fastify already parsed) sends 2025-era traffic
 * (initialize, session requests, GET/DELETE) to the sessionful door and
 * everything else to the 2026-07-28 door, which also answers the protocol's
 * validation errors. Authentication has already run (onRequest).
 */
export function registerMcpRoute(
  app: FastifyInstance,
  sessions: SessionStore,
  deps: McpServerDeps,
  inflight: InflightResponses,
  modern: ModernDoor,
): void {
  const legacy = legacyDoor(sessions, deps, inflight);
  app.route({
    method: ['POST', 'GET', 'DELETE'],
    url: '/mcp',
    handler: async (request, reply) => {
      // Before any per-message work, in either door (h15: batch sizes are refused in O(1)).
      const oversized = oversizedBatch(request.body);
      if (oversized) return jsonRpcError(reply, oversized.status, oversized.code, oversized.message);
      const route = classifyInboundRequest({
        httpMethod: request.method,
        protocolVersionHeader: header(request, 'mcp-protocol-version'),
        mcpMethodHeader: header(request, 'mcp-method'),
        mcpNameHeader: header(request, 'mcp-name'),
        body: request.body,
      });
      if (route.kind === 'legacy') return legacy(request, reply);
      return modern.handle(request, reply, route.kind === 'modern' ? route : undefined);
    },
  });
}

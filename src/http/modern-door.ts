import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type InboundModernRoute, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.ts';
import { authInfoFor, createMcpServer, type McpServerDeps } from '../mcp/server.ts';
import type { InflightResponses } from './inflight.ts';
import { jsonRpcError } from './jsonrpc-reply.ts';
import type { ListenGuard } from './listen-guard.ts';

export interface ModernDoorOptions {
  deps: McpServerDeps;
  inflight: InflightResponses;
  listen: ListenGuard;
  /** Open listen streams across all callers (the SDK answers -32603 past it). */
  maxListenStreams: number;
  bodyLimit: number;
  /** How long one listen stream stays open before the client must listen (and authenticate) again. */
  listenMaxMs: number;
  log: Logger;
}

export interface ModernDoor {
  handle(request: FastifyRequest, reply: FastifyReply, route: InboundModernRoute | undefined): Promise<void>;
  /** Publishes change events to open `subscriptions/listen` streams. */
  handler: McpHttpHandler;
}

/**
 * The 2026-07-28 door: every request is self-contained and carries its own
 * credentials (authenticated by the onRequest hook like any other), served by
 * a fresh SDK server from the same factory as the 2025 sessions. The SDK owns
 * the protocol's validation ladder (headers, envelope, removed methods),
 * `server/discover`, cache hints and the listen streams; nothing is kept
 * between requests except the per-caller count of open listen streams.
 */
export function modernDoor(options: ModernDoorOptions): ModernDoor {
  const { deps, inflight, listen, log } = options;
  const handler = createMcpHandler(() => createMcpServer(deps, 'modern'), {
    legacy: 'reject',
    maxSubscriptions: options.maxListenStreams,
    maxRequestBodySize: options.bodyLimit,
    onerror: (error) => log.debug({ err: error }, 'modern MCP request refused or failed'),
  });
  const node = toNodeHandler(handler, {
    maxRequestBodySize: options.bodyLimit,
    onerror: (error) => log.warn({ err: error }, 'modern MCP request failed'),
  });

  return {
    handler,
    async handle(request, reply, route) {
      const principal = request.principal!;
      const listening = route?.messageKind === 'request' && route.message.method === 'subscriptions/listen';
      if (listening) {
        const refusal = listen.check(principal, route.message.params);
        if (refusal) return void jsonRpcError(reply, 200, refusal.code, refusal.message, route.message.id);
        reply.raw.once('close', listen.opened(principal));
        // Credentials are checked when a stream opens; ending it after a while makes a client that
        // wants more listen again, with credentials that are checked again (a revoked token stops there).
        const renew = setTimeout(() => reply.raw.destroy(), options.listenMaxMs).unref();
        reply.raw.once('close', () => clearTimeout(renew));
      }
      const raw = request.raw as typeof request.raw & { auth?: unknown };
      raw.auth = authInfoFor(principal);
      reply.hijack();
      // Shutdown waits for answers in flight, not for listen streams (they stay open until closed).
      if (!listening) inflight.track(reply.raw);
      await node(raw as never, reply.raw, request.body);
    },
  };
}

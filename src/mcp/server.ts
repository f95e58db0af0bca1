import {
  type AuthInfo,
  type CacheHint,
  type CallToolResult,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  Server,
  type ServerCapabilities,
  type ServerContext,
  type Tool,
} from '@modelcontextprotocol/server';
import type { Principal } from '../auth/principal.ts';
import { isGatewayError } from '../errors.ts';
import { SERVER_NAME, VERSION } from '../version.ts';
import type { ToolCaller } from './call.ts';
import type { Catalog } from './catalog.ts';
import type { InputRounds } from './input-rounds.ts';
import type { Registry } from './registry.ts';
import { channelFor, type Era } from './sdk-channel.ts';

export type { Era } from './sdk-channel.ts';

export interface McpServerDeps {
  registry: Registry;
  caller: ToolCaller;
  catalog: Catalog;
  /** Multi-round calls of the 2026-07-28 era (confirmations, approvals). */
  rounds: InputRounds;
}

const INSTRUCTIONS =
  'tailwarden runs operations tools on this host and its homelab. Tools you cannot use are not listed. ' +
  'Risky tools may ask the human to confirm, or wait for an out-of-band approval; say so to the user when that happens.';

/**
 * Cache hints for the 2026-07-28 revision (the SDK sends them to modern
 * clients only). Lists depend on the caller's permissions, so they are
 * `private`; they change only on restart or a config reload (SIGHUP), which
 * `subscriptions/listen` announces, so a client may keep them five minutes.
 * `server/discover` is the same for every caller and changes only with a new
 * version. Resource reads are live host data: never cached (ttl 0), except
 * app HTML, which sets its own hint (see Catalog.readResource).
 */
const LIST_TTL_MS = 5 * 60_000;
export const CACHE_HINTS: Record<string, CacheHint> = {
  'tools/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
  'prompts/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
  'resources/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
  'resources/read': { ttlMs: 0, cacheScope: 'private' },
  'server/discover': { ttlMs: 60 * 60_000, cacheScope: 'public' },
};

/**
 * 2025 sessions keep what they had (no list-changed; `resources/subscribe` for
 * resources that change on their own, such as watch status and alerts); the
 * modern era announces changes on `subscriptions/listen`.
 */
const CAPABILITIES: Record<Era, ServerCapabilities> = {
  legacy: { tools: { listChanged: false }, prompts: {}, resources: { subscribe: true }, logging: {} },
  modern: {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { listChanged: true, subscribe: true },
  },
};

/** What the SDK carries to handlers for this request: the principal, never the caller's token. */
export function authInfoFor(principal: Principal): AuthInfo {
  return {
    token: '',
    clientId: principal.clientId ?? principal.id,
    scopes: [],
    ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}),
    extra: { principal },
  };
}

/** The principal the HTTP layer authenticated for this very request; refuse if there is none. */
export function principalOf(ctx: ServerContext): Principal {
  const principal = (ctx.http?.authInfo?.extra as { principal?: Principal } | undefined)?.principal;
  if (!principal) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'Not authenticated.');
  return principal;
}

function toProtocolError(error: unknown, uri?: string): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (!isGatewayError(error))
    return new ProtocolError(
      ProtocolErrorCode.InternalError,
      'Internal error; the gateway log has the details.',
    );
  if (error.code === 'ERR_NOT_FOUND' && uri !== undefined)
    return new ResourceNotFoundError(uri, error.message);
  const code =
    error.code === 'ERR_NOT_FOUND' || error.code === 'ERR_INPUT_REJECTED'
      ? ProtocolErrorCode.InvalidParams
      : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, error.message);
}

/**
 * One low-level SDK Server for a 2025 session or for one 2026-07-28 request.
 * Handlers only translate: listing and calling go to the registry, the catalog
 * and the one call wrapper with the principal of the current request (never
 * one cached from an earlier request). Both eras are served by this one factory.
 */
export function createMcpServer(deps: McpServerDeps, era: Era): Server {
  const server = new Server(
    { name: SERVER_NAME, title: 'tailwarden', version: VERSION },
    {
      capabilities: CAPABILITIES[era],
      instructions: INSTRUCTIONS,
      cacheHints: CACHE_HINTS,
      requestState: { verify: deps.rounds.codec.verify },
    },
  );
  server.setRequestHandler('tools/list', (_request, ctx) => ({
    // The registry's listed form is the SDK's Tool; its JSON Schemas are plain records there.
    tools: deps.registry.listTools(principalOf(ctx)) as unknown as Tool[],
  }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { params } = request;
    let call: ReturnType<InputRounds['forCall']> | undefined;
    try {
      if (era === 'modern') call = deps.rounds.forCall(ctx, params.name, params.arguments);
    } catch (error) {
      throw toProtocolError(error);
    }
    const result = await deps.caller.call({
      name: params.name,
      args: params.arguments,
      principal: principalOf(ctx),
      sessionId: ctx.sessionId,
      rpcId: ctx.mcpReq.id,
      channel: channelFor(server, ctx, era, call),
      signal: ctx.mcpReq.signal,
    });
    return result as CallToolResult;
  });
  server.setRequestHandler('prompts/list', (_request, ctx) => ({
    prompts: deps.catalog.listPrompts(principalOf(ctx)),
  }));
  server.setRequestHandler('prompts/get', (request, ctx) => {
    try {
      return deps.catalog.getPrompt(principalOf(ctx), request.params.name, request.params.arguments);
    } catch (error) {
      throw toProtocolError(error);
    }
  });
  server.setRequestHandler('resources/list', (_request, ctx) => ({
    resources: deps.catalog.listResources(principalOf(ctx)),
  }));
  server.setRequestHandler('resources/templates/list', (_request, ctx) => ({
    resourceTemplates: deps.catalog.listTemplates(principalOf(ctx)),
  }));
  server.setRequestHandler('resources/read', async (request, ctx) => {
    const { uri } = request.params;
    try {
      return await deps.catalog.readResource(
        principalOf(ctx),
        uri,
        channelFor(server, ctx, era),
        ctx.mcpReq.signal,
        ctx.sessionId,
      );
    } catch (error) {
      throw toProtocolError(error, uri);
    }
  });
  if (era === 'legacy') {
    server.setRequestHandler('resources/subscribe', (request, ctx) => {
      const { uri } = request.params;
      try {
        // A 2025 session always has an id; its subscriptions end with it (see Catalog.unsubscribe).
        deps.catalog.subscribe(principalOf(ctx), uri, ctx.sessionId ?? '', () =>
          server.sendResourceUpdated({ uri }),
        );
        return {};
      } catch (error) {
        throw toProtocolError(error, uri);
      }
    });
    server.setRequestHandler('resources/unsubscribe', (request, ctx) => {
      deps.catalog.unsubscribe(ctx.sessionId ?? '', request.params.uri);
      return {};
    });
  }
  return server;
}

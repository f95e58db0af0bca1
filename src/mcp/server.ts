import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequest,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import { isGatewayError } from '../errors.ts';
import { SERVER_NAME, VERSION } from '../version.ts';
import type { ToolCaller } from './call.ts';
import type { Catalog } from './catalog.ts';
import type { ClientChannel } from './channel.ts';
import type { Registry } from './registry.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * tools/call registered with a loose outer schema: the SDK parses a handler's schema before its own
 * tools/call validation runs, so with the strict schema invalid params (arguments as an array, a missing
 * name) came back as -32603 "internal error". With this envelope the SDK's check answers -32602.
 */
const ToolsCallEnvelope = z.object({ method: z.literal('tools/call'), params: z.unknown() });

export interface SessionServerDeps {
  registry: Registry;
  caller: ToolCaller;
  catalog: Catalog;
}

const INSTRUCTIONS =
  'tailwarden runs operations tools on this host and its homelab. Tools you cannot use are not listed. ' +
  'Risky tools may ask the human to confirm, or wait for an out-of-band approval; say so to the user when that happens.';

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
function principalOf(extra: Extra): Principal {
  const principal = (extra.authInfo?.extra as { principal?: Principal } | undefined)?.principal;
  if (!principal) throw new McpError(ErrorCode.InvalidRequest, 'Not authenticated.');
  return principal;
}

function toMcpError(error: unknown): McpError {
  if (!isGatewayError(error))
    return new McpError(ErrorCode.InternalError, 'Internal error; the gateway log has the details.');
  const code =
    error.code === 'ERR_NOT_FOUND' || error.code === 'ERR_INPUT_REJECTED'
      ? ErrorCode.InvalidParams
      : ErrorCode.InternalError;
  return new McpError(code, error.message);
}

function channelFor(server: Server, extra: Extra): ClientChannel {
  const capabilities = server.getClientCapabilities();
  const client = server.getClientVersion();
  const elicitation = capabilities?.elicitation as { form?: object; url?: object } | undefined;
  const progressToken = extra._meta?.progressToken;
  return {
    info: {
      name: client?.name,
      version: client?.version,
      // An empty elicitation capability means form mode (protocol revisions before URL mode).
      canElicit:
        elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined),
      canElicitUrl: elicitation?.url !== undefined,
      canSample: capabilities?.sampling !== undefined,
      canProgress: progressToken !== undefined,
    },
    async progress(update) {
      if (progressToken === undefined) return;
      await extra
        .sendNotification({ method: 'notifications/progress', params: { progressToken, ...update } })
        .catch(() => undefined);
    },
    async sample(request) {
      if (capabilities?.sampling === undefined) return undefined;
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: request.prompt } }],
            maxTokens: request.maxTokens ?? 800,
            ...(request.systemPrompt ? { systemPrompt: request.systemPrompt } : {}),
          },
        },
        CreateMessageResultSchema,
        { signal: extra.signal },
      );
      return result.content.type === 'text' ? result.content.text : undefined;
    },
    async elicitForm(message, requestedSchema) {
      return extra.sendRequest(
        { method: 'elicitation/create', params: { mode: 'form', message, requestedSchema } as never },
        ElicitResultSchema,
        { signal: extra.signal },
      );
    },
    async elicitUrl(message, url, elicitationId) {
      return extra.sendRequest(
        { method: 'elicitation/create', params: { mode: 'url', message, url, elicitationId } as never },
        ElicitResultSchema,
        { signal: extra.signal },
      );
    },
  };
}

/**
 * One low-level SDK Server per session. Handlers only translate: listing and
 * calling go to the registry and the call wrapper with the principal of the
 * current request (never one cached from the session's first request).
 */
export function createSessionServer(deps: SessionServerDeps): Server {
  const server = new Server(
    { name: SERVER_NAME, title: 'tailwarden', version: VERSION },
    {
      capabilities: { tools: { listChanged: false }, prompts: {}, resources: {}, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => ({
    tools: deps.registry.listTools(principalOf(extra)),
  }));
  server.setRequestHandler(ToolsCallEnvelope, (request, extra) => {
    // The SDK's wrapper has parsed this request with CallToolRequestSchema (answering a bad shape with
    // -32602) before calling here, so the shape is known; parsing it again would be per-call work for nothing.
    const { params } = request as unknown as CallToolRequest;
    return deps.caller.call({
      name: params.name,
      args: params.arguments,
      principal: principalOf(extra),
      sessionId: extra.sessionId,
      rpcId: extra.requestId,
      channel: channelFor(server, extra),
      signal: extra.signal,
    });
  });
  server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) => ({
    prompts: deps.catalog.listPrompts(principalOf(extra)),
  }));
  server.setRequestHandler(GetPromptRequestSchema, (request, extra) => {
    try {
      return deps.catalog.getPrompt(principalOf(extra), request.params.name, request.params.arguments);
    } catch (error) {
      throw toMcpError(error);
    }
  });
  server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) => ({
    resources: deps.catalog.listResources(principalOf(extra)),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, (_request, extra) => ({
    resourceTemplates: deps.catalog.listTemplates(principalOf(extra)),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    try {
      const principal = principalOf(extra);
      return await deps.catalog.readResource(
        principal,
        request.params.uri,
        channelFor(server, extra),
        extra.signal,
        extra.sessionId,
      );
    } catch (error) {
      throw error instanceof McpError ? error : toMcpError(error);
    }
  });
  server.setRequestHandler(SetLevelRequestSchema, () => ({}));
  return server;
}

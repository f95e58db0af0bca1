import type { ElicitRequestFormParams, Server, ServerContext } from '@modelcontextprotocol/server';
import type { CallRounds, ClientChannel } from './channel.ts';
import type { FormRound } from './input-rounds.ts';

/** Which protocol door a request came through: a 2025 session or a self-contained 2026-07-28 request. */
export type Era = 'legacy' | 'modern';

/** Where the 2025 push channels do not exist (2026-07-28), every push is refused before it is tried. */
const NO_PUSH = 'This client speaks the 2026-07-28 protocol, which has no server-to-client requests.';

/**
 * The ClientChannel of one request, over SDK v2. On a 2025 session the
 * server pushes elicitation and sampling requests over the session; on a
 * 2026-07-28 request there is no push channel, so the channel says it cannot
 * elicit or sample and the risk rules take their no-elicitation path (or, for
 * confirmations and approvals, an input-required result).
 */
export function channelFor(
  server: Server,
  ctx: ServerContext,
  era: Era,
  call?: { rounds: CallRounds; form: FormRound },
): ClientChannel {
  // Backfilled per request from the envelope on the modern era; from initialize on a 2025 session.
  const capabilities = server.getClientCapabilities();
  const client = server.getClientVersion();
  const elicitation = capabilities?.elicitation as { form?: object; url?: object } | undefined;
  const push = era === 'legacy';
  // A tools/call on the modern era asks through input-required rounds instead of pushing.
  const asks = push || call !== undefined;
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    info: {
      name: client?.name,
      version: client?.version,
      // An empty elicitation capability means form mode (protocol revisions before URL mode).
      canElicit:
        asks &&
        elicitation !== undefined &&
        (elicitation.form !== undefined || elicitation.url === undefined),
      canElicitUrl: asks && elicitation?.url !== undefined,
      canSample: push && capabilities?.sampling !== undefined,
      canProgress: progressToken !== undefined,
    },
    ...(call ? { rounds: call.rounds } : {}),
    async progress(update) {
      if (progressToken === undefined) return;
      await ctx.mcpReq
        .notify({ method: 'notifications/progress', params: { progressToken, ...update } })
        .catch(() => undefined);
    },
    async sample(request) {
      if (!push || capabilities?.sampling === undefined) return undefined;
      const result = await ctx.mcpReq.requestSampling(
        {
          messages: [{ role: 'user', content: { type: 'text', text: request.prompt } }],
          maxTokens: request.maxTokens ?? 800,
          ...(request.systemPrompt ? { systemPrompt: request.systemPrompt } : {}),
        },
        { signal: ctx.mcpReq.signal },
      );
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      return content?.type === 'text' ? content.text : undefined;
    },
    async elicitForm(message, requestedSchema) {
      if (call) return call.form.ask(message, requestedSchema);
      if (!push) throw new Error(NO_PUSH);
      const params = { mode: 'form', message, requestedSchema } as ElicitRequestFormParams;
      return ctx.mcpReq.elicitInput(params, { signal: ctx.mcpReq.signal });
    },
    async elicitUrl(message, url, elicitationId) {
      if (!push) throw new Error(NO_PUSH);
      return ctx.mcpReq.elicitInput(
        { mode: 'url', message, url, elicitationId },
        { signal: ctx.mcpReq.signal },
      );
    },
  };
}

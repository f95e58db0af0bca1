import { scrubText } from '../audit/redact.ts';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../log.ts';
import type { ModuleRuntime } from '../modules/types.ts';
import type { ClientChannel } from './channel.ts';
import type { ToolContext } from './tool.ts';

export interface HandlerContextInput {
  tool: string;
  principal: Principal;
  channel: ClientChannel;
  sessionId: string | undefined;
  log: Logger;
  runtime: ModuleRuntime;
  callId: string;
  signal: AbortSignal;
}

/**
 * What a tool's validate step and handler are given: the call's facts, the way back to the client,
 * and the module's own context. For a caller without secrets:read, what the call sends back on the
 * way (progress lines, sampling prompts) is masked like its result.
 */
export function handlerContext(input: HandlerContextInput): ToolContext {
  const { principal, channel } = input;
  const mask = !principal.permissions.has('secrets:read');
  const ctx: ToolContext = {
    principal,
    log: input.log.child({ call_id: input.callId, tool: input.tool }),
    signal: input.signal,
    callId: input.callId,
    sessionId: input.sessionId,
    client: channel.info,
    progress: (update) =>
      channel.progress(mask && update.message ? { ...update, message: scrubText(update.message) } : update),
    sample: (request) => channel.sample(mask ? { ...request, prompt: scrubText(request.prompt) } : request),
  };
  return Object.assign(ctx, input.runtime.context as object);
}

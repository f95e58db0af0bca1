import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLog } from '../audit/log.ts';
import { redactArgs } from '../audit/redact.ts';
import { permissionDeniedMessage } from '../auth/hints.ts';
import { type Principal, principalSummary } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import { describeCause, GatewayError, toGatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ModuleRuntime } from '../modules/types.ts';
import type { RiskGate } from '../policy/gate.ts';
import { cutText } from '../util/bounded.ts';
import { oversizedArgument } from './arg-limits.ts';
import { callSignal } from './call-signal.ts';
import { type ClientChannel, InputRoundEnded } from './channel.ts';
import { renderText } from './format.ts';
import type { RegisteredTool, Registry } from './registry.ts';
import type { ResourceLink, ToolContext } from './tool.ts';

/** The argument name reserved for presenting an approval; it never reaches a handler. */
export const APPROVAL_ARG = 'approval_id';

export interface CallRequest {
  name: string;
  args: unknown;
  principal: Principal;
  sessionId: string | undefined;
  rpcId: string | number | undefined;
  channel: ClientChannel;
  signal: AbortSignal;
}

export interface CallResult {
  [key: string]: unknown;
  content: ({ type: 'text'; text: string } | ResourceLink)[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export type CallOutcome = 'ok' | 'error' | 'denied';

export interface CallObserver {
  callFinished(tool: string, outcome: CallOutcome, seconds: number): void;
}

export interface CallerDeps {
  config: Config;
  registry: Registry;
  runtimes: ReadonlyMap<string, ModuleRuntime>;
  audit: AuditLog;
  gate: RiskGate;
  log: Logger;
}

function errorResult(error: GatewayError): CallResult {
  return { isError: true, content: [{ type: 'text', text: `[${error.code}] ${error.message}` }] };
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
    .join('; ');
}

function splitApproval(args: unknown): { args: unknown; approvalId: string | undefined } {
  if (args === null || typeof args !== 'object' || !(APPROVAL_ARG in args))
    return { args, approvalId: undefined };
  const { [APPROVAL_ARG]: approvalId, ...rest } = args as Record<string, unknown>;
  return { args: rest, approvalId: typeof approvalId === 'string' ? approvalId : undefined };
}

/**
 * The one call wrapper every tool goes through: availability, permission,
 * input, risk rule, audit of the decision, the handler under a deadline, output
 * check, audit of the outcome. No path reaches a handler without it.
 */
export class ToolCaller {
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly shutdown = new AbortController();
  /** Told about every finished call (the HTTP layer's metrics). */
  observer: CallObserver | undefined;

  private readonly deps: CallerDeps;

  constructor(deps: CallerDeps) {
    this.deps = deps;
  }

  get callsInFlight(): number {
    return this.inflight;
  }

  async call(request: CallRequest): Promise<CallResult> {
    this.inflight += 1;
    try {
      return await this.run(request);
    } finally {
      this.inflight -= 1;
      if (this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Wait (at most `ms`) for calls in flight to finish; then abort whatever is left. */
  async drain(ms: number): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.shutdown.abort(new GatewayError('ERR_UPSTREAM_UNAVAILABLE', 'The gateway is shutting down.'));
  }

  private async run(request: CallRequest): Promise<CallResult> {
    const { config, registry, audit } = this.deps;
    const started = performance.now();
    const callId = randomUUID();
    const base: Record<string, unknown> = {
      call_id: callId,
      session_id: request.sessionId,
      rpc_id: request.rpcId,
      principal: principalSummary(request.principal),
      client: { name: request.channel.info.name, version: request.channel.info.version },
      tool: request.name,
    };
    const { args: rawArgs, approvalId } = splitApproval(request.args ?? {});

    const deny = async (error: GatewayError, tool?: RegisteredTool): Promise<CallResult> => {
      const record = {
        event: 'tool.decision',
        ...base,
        ...(tool ? { risk: tool.def.risk, args: redactArgs(rawArgs, tool.def.sensitive) } : {}),
        decision: 'denied',
        error_code: error.code,
        reason: error.message,
      };
      await audit
        .append(record)
        .catch((e) => this.deps.log.error({ err: e }, 'audit write failed for a denial'));
      this.finish(tool ? tool.def.name : '(unknown)', 'denied', started);
      return errorResult(error);
    };

    const tool = registry.tools.get(request.name);
    if (!tool) {
      return deny(
        new GatewayError(
          'ERR_UNKNOWN_TOOL',
          `Unknown tool "${cutText(request.name, 128)}".${registry.suggest(request.name)} Call tools/list for the tools you may use.`,
        ),
      );
    }
    const { def } = tool;
    if (tool.hidden) {
      return deny(
        new GatewayError('ERR_TOOL_DISABLED', `${def.name} is not available: ${tool.hidden}.`),
        tool,
      );
    }
    if (!request.principal.permissions.has(def.permission)) {
      const message = permissionDeniedMessage(config, request.principal, def.name, def.permission);
      return deny(
        new GatewayError('ERR_PERMISSION_DENIED', message, { details: { required: def.permission } }),
        tool,
      );
    }
    const oversized = oversizedArgument(rawArgs, def);
    if (oversized) return deny(new GatewayError('ERR_INPUT_REJECTED', oversized), tool);
    const parsed = def.input.safeParse(rawArgs);
    if (!parsed.success) {
      return deny(
        new GatewayError(
          'ERR_INPUT_REJECTED',
          `Invalid arguments for ${def.name}: ${describeIssues(parsed.error.issues)}`,
        ),
        tool,
      );
    }
    const args = parsed.data as Record<string, unknown>;
    const scope = callSignal([request.signal, this.shutdown.signal], config.tools.timeout);
    const signal = scope.signal;
    try {
      try {
        await this.deps.gate.check({
          tool: def,
          principal: request.principal,
          args,
          approvalId,
          callId,
          sessionId: request.sessionId,
          channel: request.channel,
          signal,
        });
      } catch (error) {
        if (error instanceof InputRoundEnded) return this.askClient(error, base, tool, rawArgs, started);
        return deny(toGatewayError(error), tool);
      }

      const durable = def.risk === 'high' || def.risk === 'critical';
      try {
        await audit.append(
          {
            event: 'tool.decision',
            ...base,
            risk: def.risk,
            args: redactArgs(args, def.sensitive),
            decision: 'allowed',
            ...(approvalId ? { approval_id: approvalId } : {}),
          },
          { durable },
        );
      } catch (error) {
        this.finish(def.name, 'denied', started);
        return errorResult(toGatewayError(error));
      }

      let result: CallResult;
      let failure: GatewayError | undefined;
      try {
        const output = await this.runHandler(tool, args, request, callId, signal);
        result = {
          content: [{ type: 'text', text: renderText(output, args.format) }, ...(def.links?.(output) ?? [])],
          structuredContent: output,
        };
      } catch (error) {
        failure = toGatewayError(error);
        if (failure.code === 'ERR_INTERNAL')
          this.deps.log.error({ err: error, tool: def.name, call_id: callId }, 'tool failed');
        result = errorResult(failure);
      }
      const seconds = (performance.now() - started) / 1000;
      await audit
        .append(
          {
            event: 'tool.outcome',
            ...base,
            risk: def.risk,
            outcome: failure ? 'error' : 'ok',
            duration_ms: Math.round(seconds * 1000),
            ...(failure
              ? { error_code: failure.code, error: failure.message, cause: describeCause(failure) }
              : {}),
          },
          { durable },
        )
        .catch((e) => this.deps.log.error({ err: e, call_id: callId }, 'audit write failed for an outcome'));
      this.finish(def.name, failure ? 'error' : 'ok', started);
      return result;
    } finally {
      scope.dispose();
    }
  }

  private async runHandler(
    tool: RegisteredTool,
    args: Record<string, unknown>,
    request: CallRequest,
    callId: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { def, moduleId } = tool;
    const runtime = this.deps.runtimes.get(moduleId);
    if (!runtime)
      throw new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `The ${moduleId} module is not running.`);
    const ctx: ToolContext = {
      principal: request.principal,
      log: this.deps.log.child({ call_id: callId, tool: def.name }),
      signal,
      callId,
      sessionId: request.sessionId,
      client: request.channel.info,
      progress: (update) => request.channel.progress(update),
      sample: (sampleRequest) => request.channel.sample(sampleRequest),
    };
    const handlerCtx = Object.assign(ctx, runtime.context as object);
    const output = await raceAbort(Promise.resolve(def.handler(args, handlerCtx)), signal);
    const checked = def.output.safeParse(output);
    if (!checked.success) {
      throw new GatewayError(
        'ERR_INTERNAL',
        `${def.name} produced a result that does not match its output schema.`,
        {
          cause: new Error(describeIssues(checked.error.issues)),
        },
      );
    }
    return checked.data as Record<string, unknown>;
  }

  /** A 2026-07-28 call that must ask the client first: audited, not run, answered with input-required. */
  private async askClient(
    round: InputRoundEnded,
    base: Record<string, unknown>,
    tool: RegisteredTool,
    rawArgs: unknown,
    started: number,
  ): Promise<CallResult> {
    await this.deps.audit
      .append({
        event: 'tool.decision',
        ...base,
        risk: tool.def.risk,
        args: redactArgs(rawArgs, tool.def.sensitive),
        decision: 'input_required',
      })
      .catch((e) => this.deps.log.error({ err: e }, 'audit write failed for an input request'));
    this.finish(tool.def.name, 'denied', started);
    return round.result as CallResult;
  }

  private finish(tool: string, outcome: CallOutcome, started: number): void {
    this.observer?.callFinished(tool, outcome, (performance.now() - started) / 1000);
  }
}

/** Settle with the work, or reject as soon as the signal aborts (the handler is told through the signal). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): GatewayError {
  const reason = signal.reason;
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new GatewayError('ERR_TIMEOUT', 'The tool did not finish within tools.timeout and was stopped.');
  }
  return new GatewayError('ERR_TIMEOUT', 'The call was cancelled by the client.');
}

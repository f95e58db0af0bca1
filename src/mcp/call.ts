import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/log.ts';
import { redactArgs, redactOutput, scrubText, secretValues } from '../audit/redact.ts';
import { permissionDeniedMessage } from '../auth/hints.ts';
import { type Principal, principalSummary } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import { describeCause, GatewayError, toGatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ModuleRuntime } from '../modules/types.ts';
import type { GateOutcome, RiskGate } from '../policy/gate.ts';
import { cutText } from '../util/bounded.ts';
import { oversizedArgument } from './arg-limits.ts';
import { handlerContext } from './call-context.ts';
import { abortError, callSignal, raceAbort } from './call-signal.ts';
import {
  APPROVAL_ARG,
  describeIssues,
  errorResult,
  presentedApprovalId,
  splitApproval,
} from './call-text.ts';
import { type ClientChannel, InputRoundEnded } from './channel.ts';
import { renderText } from './format.ts';
import type { RegisteredTool, Registry } from './registry.ts';
import type { ToolContext, ToolResult } from './tool.ts';

export { APPROVAL_ARG };

export interface CallRequest {
  name: string;
  args: unknown;
  principal: Principal;
  sessionId: string | undefined;
  rpcId: string | number | undefined;
  channel: ClientChannel;
  signal: AbortSignal;
}

export type CallResult = ToolResult;

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
    const { args: rawArgs, approvalId, malformed } = splitApproval(request.args ?? {});
    const tool = registry.tools.get(request.name);
    // Known secret values of this call's arguments: scrubbed from every text made from them.
    const secrets = secretValues(rawArgs, tool?.def.sensitive);

    const deny = async (error: GatewayError): Promise<CallResult> => {
      const record = {
        event: 'tool.decision',
        ...base,
        ...(tool ? { risk: tool.def.risk, args: redactArgs(rawArgs, tool.def.sensitive) } : {}),
        ...(approvalId ? { presented_approval_id: presentedApprovalId(approvalId) } : {}),
        decision: 'denied',
        error_code: error.code,
        reason: scrubText(error.message, secrets),
      };
      await audit
        .append(record)
        .catch((e) => this.deps.log.error({ err: e }, 'audit write failed for a denial'));
      this.finish(tool ? tool.def.name : '(unknown)', 'denied', started);
      return errorResult(error, secrets);
    };

    if (!tool) {
      return deny(
        new GatewayError(
          'ERR_UNKNOWN_TOOL',
          `Unknown tool "${cutText(request.name, 128)}".${registry.suggest(request.name)} Call tools/list for the tools you may use.`,
        ),
      );
    }
    const { def } = tool;
    if (tool.hidden)
      return deny(new GatewayError('ERR_TOOL_DISABLED', `${def.name} is not available: ${tool.hidden}.`));
    if (!request.principal.permissions.has(def.permission)) {
      const message = permissionDeniedMessage(config, request.principal, def.name, def.permission);
      return deny(
        new GatewayError('ERR_PERMISSION_DENIED', message, { details: { required: def.permission } }),
      );
    }
    if (malformed)
      return deny(
        new GatewayError('ERR_INPUT_REJECTED', `${APPROVAL_ARG} must be the approval id string (apr_…).`),
      );
    const oversized = oversizedArgument(rawArgs, def);
    if (oversized) return deny(new GatewayError('ERR_INPUT_REJECTED', oversized));
    const parsed = tool.input.safeParse(rawArgs);
    if (!parsed.success) {
      const known = Object.keys(tool.input.shape);
      return deny(
        new GatewayError(
          'ERR_INPUT_REJECTED',
          `Invalid arguments for ${def.name}: ${describeIssues(parsed.error.issues, known)}`,
        ),
      );
    }
    const args = parsed.data as Record<string, unknown>;
    const runtime = this.deps.runtimes.get(tool.moduleId);
    if (!runtime)
      return deny(
        new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `The ${tool.moduleId} module is not running.`),
      );
    const scope = callSignal([request.signal, this.shutdown.signal], config.tools.timeout);
    const signal = scope.signal;
    const ctx = handlerContext({
      tool: def.name,
      principal: request.principal,
      channel: request.channel,
      sessionId: request.sessionId,
      log: this.deps.log,
      runtime,
      callId,
      signal,
    });
    try {
      // The module's own checks come before the risk rule: nobody is asked to approve a call that cannot run.
      try {
        if (def.validate) await raceAbort(Promise.resolve(def.validate(args, ctx)), signal);
      } catch (error) {
        return deny(toGatewayError(error));
      }
      let gate: GateOutcome;
      try {
        gate = await this.deps.gate.check({
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
        return deny(toGatewayError(error));
      }
      // A client that is gone by now must not have the call run on its behalf (the approval says so if asked).
      if (signal.aborted) {
        const result = await deny(abortError(signal));
        gate.keepResult?.(result);
        return result;
      }
      if (gate.replay) return this.replay(gate.replay, base, def.risk, approvalId!, started);

      const durable = def.risk === 'high' || def.risk === 'critical';
      try {
        await audit.append(
          {
            event: 'tool.decision',
            ...base,
            risk: def.risk,
            args: redactArgs(args, def.sensitive),
            decision: 'allowed',
            ...(gate.approvalId ? { approval_id: gate.approvalId } : {}),
            // Sent, but no rule asked for it: it meant nothing for this call.
            ...(approvalId && !gate.approvalId
              ? { presented_approval_id: presentedApprovalId(approvalId) }
              : {}),
          },
          { durable },
        );
      } catch (error) {
        this.finish(def.name, 'denied', started);
        const result = errorResult(toGatewayError(error), secrets);
        gate.keepResult?.(result);
        return result;
      }

      let result: CallResult;
      let failure: GatewayError | undefined;
      try {
        const output = await this.runHandler(tool, args, ctx, signal);
        const shown = request.principal.permissions.has('secrets:read') ? output : await redactOutput(output);
        result = {
          content: [{ type: 'text', text: renderText(shown, args.format) }, ...(def.links?.(output) ?? [])],
          structuredContent: shown,
        };
      } catch (error) {
        failure = toGatewayError(error);
        if (failure.code === 'ERR_INTERNAL')
          this.deps.log.error({ err: error, tool: def.name, call_id: callId }, 'tool failed');
        result = errorResult(failure, secrets);
      }
      gate.keepResult?.(result);
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
              ? {
                  error_code: failure.code,
                  error: scrubText(failure.message, secrets),
                  cause: scrubText(describeCause(failure) ?? '', secrets) || undefined,
                }
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

  /** The kept result of a call that already ran under this approval: returned, never run again. */
  private async replay(
    result: CallResult,
    base: Record<string, unknown>,
    risk: string,
    approvalId: string,
    started: number,
  ): Promise<CallResult> {
    await this.deps.audit
      .append({ event: 'tool.decision', ...base, risk, decision: 'replayed', approval_id: approvalId })
      .catch((e) => this.deps.log.error({ err: e }, 'audit write failed for a replay'));
    this.finish(String(base.tool), result.isError ? 'error' : 'ok', started);
    return result;
  }

  private async runHandler(
    tool: RegisteredTool,
    args: Record<string, unknown>,
    ctx: ToolContext,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { def } = tool;
    if (signal.aborted) throw abortError(signal); // never start work for a client that has gone
    const output = await raceAbort(Promise.resolve(def.handler(args, ctx)), signal);
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

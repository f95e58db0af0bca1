import type { AuditLog } from '../../audit/log.ts';
import { principalSummary } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import { InputRoundEnded } from '../../mcp/channel.ts';
import type { GateRequest, RuleHandler } from '../gate.ts';
import { describeForHuman, summarizeCall } from './summary.ts';

export interface ConfirmDeps {
  config: Pick<Config, 'policy'>;
  audit: AuditLog;
  /** Where `confirm` goes when it becomes an out-of-band approval. */
  approve: RuleHandler;
}

/** The form shown to the human: one box to tick, described by what will happen. */
function confirmationSchema(request: GateRequest): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      confirm: {
        type: 'boolean',
        title: 'Yes, run it',
        description: summarizeCall(request.tool, request.args),
        default: false,
      },
    },
    required: ['confirm'],
  };
}

/**
 * The `confirm` rule: ask the human through the MCP client (form elicitation).
 * A caller presenting an approval id goes the approval way; a client that cannot
 * ask gets `policy.confirm_fallback`. Anything but an explicit yes stops the call.
 */
export function confirmHandler(deps: ConfirmDeps): RuleHandler {
  return async (request) => {
    if (request.approvalId) return deps.approve(request);
    if (!request.channel.info.canElicit) {
      const fallback = deps.config.policy.confirm_fallback;
      if (fallback === 'allow') return;
      if (fallback === 'approve') return deps.approve(request);
      throw new GatewayError(
        'ERR_POLICY_DENIED',
        `${request.tool.name} must be confirmed by the user, and this client cannot show confirmations (no elicitation support); it was not run. Use a client with elicitation, or ask an administrator about policy.confirm_fallback.`,
      );
    }
    const message = `Confirm a ${request.tool.risk}-risk action\n${describeForHuman(request.tool, request.args, request.principal)}`;
    let answer: Awaited<ReturnType<GateRequest['channel']['elicitForm']>>;
    try {
      answer = await request.channel.elicitForm(message, confirmationSchema(request));
    } catch (cause) {
      // A 2026-07-28 call asks in a round of its own and is called again: not a failure.
      if (request.signal.aborted || cause instanceof InputRoundEnded) throw cause;
      throw new GatewayError(
        'ERR_POLICY_DENIED',
        `${request.tool.name} needs the user's confirmation, and asking the client for it failed; it was not run.`,
        { cause },
      );
    }
    const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
    await deps.audit.append(
      {
        event: 'confirmation.answered',
        call_id: request.callId,
        tool: request.tool.name,
        principal: principalSummary(request.principal),
        action: answer.action,
        confirmed,
      },
      { durable: true },
    );
    if (confirmed) return;
    const how =
      answer.action === 'accept'
        ? 'the confirmation box was not ticked'
        : answer.action === 'decline'
          ? 'the user declined'
          : 'the user cancelled';
    throw new GatewayError(
      'ERR_CONFIRMATION_DECLINED',
      `Declined by user (${how}): ${request.tool.name} was not run. Do not retry unless the user asks for it.`,
    );
  };
}

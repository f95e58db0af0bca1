import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import type { ClientChannel } from '../mcp/channel.ts';
import type { ToolDefinition, ToolResult } from '../mcp/tool.ts';
import type { RiskRule } from './config.ts';

/** Everything the risk gate knows about a call that passed the permission and input checks. */
export interface GateRequest {
  tool: ToolDefinition;
  principal: Principal;
  /** Validated arguments (without the reserved approval_id). */
  args: Record<string, unknown>;
  /** The approval the caller presents for this exact call, if any. */
  approvalId: string | undefined;
  callId: string;
  sessionId: string | undefined;
  channel: ClientChannel;
  signal: AbortSignal;
}

/** What the gate tells the call wrapper besides "go on" (a thrown GatewayError means "stop"). */
export interface GateOutcome {
  /** The approval this call has just used (recorded with the allowed decision). */
  approvalId?: string;
  /** Keep the result of the call this approval let run, so a retry with the approval id gets it. */
  keepResult?: (result: ToolResult) => void;
  /** The call already ran under the approval presented: its kept result, returned instead of running again. */
  replay?: ToolResult;
}

/** A handler for one non-trivial rule. Resolve to let the call run; throw a GatewayError to stop it. */
export type RuleHandler = (request: GateRequest) => Promise<GateOutcome | undefined>;

export function ruleFor(
  config: Pick<Config, 'policy'>,
  tool: Pick<ToolDefinition, 'name' | 'risk'>,
): RiskRule {
  return config.policy.tools[tool.name] ?? config.policy[tool.risk];
}

/**
 * The rule for a call of a system principal (nobody to confirm with, nobody who asked):
 * a deny stays a deny; a tool it was allowed to run unattended runs unless its rule
 * needs an approval or it is critical; everything else needs an out-of-band approval.
 */
export function systemRule(
  rule: RiskRule,
  tool: Pick<ToolDefinition, 'name' | 'risk'>,
  principal: Principal,
) {
  if (rule === 'deny') return 'deny';
  if (rule !== 'approve' && tool.risk !== 'critical' && principal.unattended?.has(tool.name)) return 'allow';
  return 'approve';
}

/**
 * Applies the configured rule for a tool's risk level. `confirm` and `approve`
 * are delegated to handlers; where none is installed the call is refused
 * (fail closed), never run.
 */
export class RiskGate {
  private readonly config: Pick<Config, 'policy'>;
  private readonly handlers: Partial<Record<'confirm' | 'approve', RuleHandler>>;

  constructor(
    config: Pick<Config, 'policy'>,
    handlers: Partial<Record<'confirm' | 'approve', RuleHandler>> = {},
  ) {
    this.config = config;
    this.handlers = handlers;
  }

  async check(request: GateRequest): Promise<GateOutcome> {
    const configured = ruleFor(this.config, request.tool);
    const rule =
      request.principal.kind === 'system'
        ? systemRule(configured, request.tool, request.principal)
        : configured;
    if (rule === 'allow') return {};
    if (rule === 'deny') {
      throw new GatewayError(
        'ERR_POLICY_DENIED',
        `${request.tool.name} is denied by policy (policy.${request.tool.risk} or policy.tools); an administrator can change the rule in the gateway config.`,
      );
    }
    const handler = this.handlers[rule];
    if (!handler) {
      throw new GatewayError(
        'ERR_POLICY_DENIED',
        `${request.tool.name} needs ${rule === 'confirm' ? 'a confirmation' : 'an out-of-band approval'}, which this gateway cannot obtain; it was not run.`,
      );
    }
    return (await handler(request)) ?? {};
  }
}

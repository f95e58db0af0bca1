import type { AuditLog } from '../../audit/log.ts';
import type { Config } from '../../config/schema.ts';
import type { RuleHandler } from '../gate.ts';
import { confirmHandler } from './confirm.ts';
import type { Approvals } from './service.ts';

/** The handlers the gateway installs by default for the `confirm` and `approve` rules. */
export function approvalRuleHandlers(
  config: Pick<Config, 'policy'>,
  audit: AuditLog,
  approvals: Approvals,
): Record<'confirm' | 'approve', RuleHandler> {
  const approve: RuleHandler = (request) => approvals.approve(request);
  return { approve, confirm: confirmHandler({ config, audit, approve }) };
}

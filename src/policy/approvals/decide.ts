import { GatewayError } from '../../errors.ts';
import type { ApprovalStore, Approver } from './store.ts';

export interface DecideInput {
  id: string;
  decision: 'approved' | 'denied';
  approver: Approver;
  reason?: string;
  /** policy.allow_self_approval */
  allowSelf: boolean;
}

const MAX_REASON = 500;

/**
 * The one place a decision is checked and recorded, for every channel (CLI,
 * page): the request must be pending and unexpired, and nobody approves their
 * own request unless the config allows it. Denying your own request is always fine.
 */
export function decideApproval(store: ApprovalStore, input: DecideInput, now = Date.now()) {
  const record = store.get(input.id);
  if (!record) {
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `No approval request "${input.id}" (see \`tailwarden approvals list\`).`,
    );
  }
  if (record.state !== 'pending') {
    throw new GatewayError(
      'ERR_CONFLICT',
      `Approval ${record.id} is ${record.state}${record.decidedByName ? ` (by ${record.decidedByName})` : ''}; only pending requests can be decided.`,
    );
  }
  if (record.expiresAt <= now) {
    throw new GatewayError(
      'ERR_CONFLICT',
      `Approval ${record.id} expired at ${new Date(record.expiresAt).toISOString()}; the caller must ask again.`,
    );
  }
  if (input.decision === 'approved' && record.principalId === input.approver.id && !input.allowSelf) {
    throw new GatewayError(
      'ERR_PERMISSION_DENIED',
      `You requested ${record.id} yourself, and approving your own request is not allowed (policy.allow_self_approval). Ask another approver, or approve it with the CLI on the gateway host.`,
    );
  }
  const reason = input.reason?.trim().slice(0, MAX_REASON) || undefined;
  if (!store.decide(record.id, input.decision, input.approver, reason, now)) {
    throw new GatewayError(
      'ERR_CONFLICT',
      `Approval ${record.id} was decided or expired a moment ago; reload to see its state.`,
    );
  }
  return store.get(record.id)!;
}

import { GatewayError } from '../../errors.ts';
import type { ApprovalRecord } from './store.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const fresh = (tool: string) => `Call ${tool} without approval_id to request a new approval.`;

/** Approval ids are `apr_` and 20 hex digits; anything else is refused before a lookup or an echo. */
export const APPROVAL_ID = /^apr_[0-9a-f]{20}$/;

export function malformedId(tool: string): GatewayError {
  return new GatewayError(
    'ERR_APPROVAL_INVALID',
    `approval_id is not an approval id (they look like apr_ and 20 hex digits). ${fresh(tool)}`,
  );
}

/** The presented approval does not belong to this exact call. */
export function bindingError(
  record: ApprovalRecord | undefined,
  id: string,
  tool: string,
  principalId: string,
  hash: string,
): GatewayError | undefined {
  const invalid = (message: string) => new GatewayError('ERR_APPROVAL_INVALID', `${message} ${fresh(tool)}`);
  if (!record) return invalid(`There is no approval "${id}".`);
  if (record.principalId !== principalId)
    return invalid(`Approval ${id} was requested by another principal; only they can use it.`);
  if (record.tool !== tool) return invalid(`Approval ${id} is for ${record.tool}, not ${tool}.`);
  if (record.argsHash !== hash)
    return invalid(
      `The arguments differ from the ones approval ${id} was requested for (an approval covers exactly one set of arguments: ${JSON.stringify(record.args)}).`,
    );
  return undefined;
}

/** Denied or expired: the approval will never let this call run. */
export function finalStateError(record: ApprovalRecord, tool: string): GatewayError {
  if (record.state === 'denied')
    return new GatewayError(
      'ERR_APPROVAL_DENIED',
      `Approval ${record.id} was denied by ${record.decidedByName ?? 'an approver'}${record.reason ? `: ${record.reason}` : ''}. It was not run.`,
    );
  return new GatewayError(
    'ERR_APPROVAL_INVALID',
    `Approval ${record.id} expired at ${iso(record.expiresAt)} without being used; nothing ran. ${fresh(tool)}`,
  );
}

/** Used, and its call is still running (or the gateway stopped while it ran). */
export function stillRunning(record: ApprovalRecord, startedAt: number): GatewayError {
  return new GatewayError(
    'ERR_CONFLICT',
    `The call approved as ${record.id} started at ${iso(startedAt)} and has not finished yet (or the gateway stopped while it ran). It runs only once: call ${record.tool} again with the same approval_id later to get its result; do not request a new approval for the same action.`,
    { retryAfter: 5 },
  );
}

/** Used, and its result is no longer kept. */
export function resultGone(record: ApprovalRecord): GatewayError {
  return new GatewayError(
    'ERR_APPROVAL_INVALID',
    `Approval ${record.id} was used${record.usedAt ? ` at ${iso(record.usedAt)}` : ''}: ${record.tool} ran once with it, and its result is no longer kept (policy.approval_result_keep). Check the current state with a read-only tool before asking for the action again.`,
  );
}

/** Not decided yet: say exactly how to continue. */
export function pendingError(record: ApprovalRecord, url: string): GatewayError {
  return new GatewayError(
    'ERR_APPROVAL_PENDING',
    `${record.tool} needs an out-of-band approval, and nothing has run yet (approval id ${record.id}: ${record.summary}). ` +
      `To continue: (1) a person with approvals:grant approves it at ${url} or with \`tailwarden approvals approve ${record.id}\` on the gateway host; ` +
      `(2) then call ${record.tool} again with the same arguments plus "approval_id": "${record.id}". It runs once, after the approval; ` +
      `calling again with the same approval_id after that returns its result instead of running it again. ` +
      `The request expires at ${iso(record.expiresAt)}.`,
    { details: { approval_id: record.id, url } },
  );
}

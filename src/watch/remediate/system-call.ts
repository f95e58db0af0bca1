import type { Principal } from '../../auth/principal.ts';
import type { CallResult } from '../../mcp/call.ts';
import { type ClientChannel, headlessChannel, InputRoundEnded } from '../../mcp/channel.ts';
import { expandPermissions } from '../../policy/permissions.ts';
import type { RemediationConfig } from './config.ts';

export const REMEDIATION_PRINCIPAL_ID = 'system:remediation';

/** The principal remediations run as: its own permissions, and the tools it may run unattended. */
export function remediationPrincipal(config: RemediationConfig): Principal {
  return {
    id: REMEDIATION_PRINCIPAL_ID,
    kind: 'system',
    name: 'remediation',
    roles: [],
    permissions: expandPermissions(config.permissions),
    unattended: new Set(config.unattended),
  };
}

export interface ApprovalAsked {
  id: string;
  url: string;
}

/**
 * The channel of a call nobody is waiting on. Like a 2026-07-28 call it never waits for a
 * person: an approval the call needs is requested (and announced) by the approvals
 * service, recorded here, and the call ends; the next attempt presents it.
 */
export function remediationChannel(approvalId: string | undefined): {
  channel: ClientChannel;
  asked: () => ApprovalAsked | undefined;
} {
  let asked: ApprovalAsked | undefined;
  const channel = headlessChannel('tailwarden-remediation', {
    approvalId,
    askApproval(message, url, id) {
      asked = { id, url };
      return Promise.reject(new InputRoundEnded({ content: [{ type: 'text', text: message }] }));
    },
  });
  return { channel, asked: () => asked };
}

/** Errors that another attempt would meet again: the remediation stops at the first. */
const FINAL_CODES = new Set([
  'ERR_UNKNOWN_TOOL',
  'ERR_TOOL_DISABLED',
  'ERR_PERMISSION_DENIED',
  'ERR_POLICY_DENIED',
  'ERR_INPUT_REJECTED',
  'ERR_APPROVAL_DENIED',
  'ERR_APPROVAL_INVALID',
]);

export type CallVerdict =
  | { kind: 'ran'; text: string }
  | { kind: 'failed'; code: string; text: string }
  | { kind: 'refused'; code: string; text: string }
  | { kind: 'pending'; text: string };

/** What a finished call means for the remediation (error results start with "[CODE]"). */
export function verdictOf(result: CallResult): CallVerdict {
  const first = result.content.find((c) => c.type === 'text');
  const text = first && 'text' in first ? first.text : '';
  if (!result.isError) return { kind: 'ran', text };
  const code = /^\[(ERR_[A-Z_]+)\]/.exec(text)?.[1] ?? 'ERR_INTERNAL';
  if (code === 'ERR_APPROVAL_PENDING') return { kind: 'pending', text };
  return FINAL_CODES.has(code) ? { kind: 'refused', code, text } : { kind: 'failed', code, text };
}

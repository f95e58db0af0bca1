import type { z } from 'zod';
import { scrubText } from '../audit/redact.ts';
import type { GatewayError } from '../errors.ts';
import { similarity } from '../util/similar.ts';
import type { ToolResult } from './tool.ts';

/** The argument name reserved for presenting an approval; it never reaches a handler. */
export const APPROVAL_ARG = 'approval_id';
/** Longest argument name echoed back or compared for a hint: names are the caller's text. */
const NAME_SHOWN = 64;
const KEYS_SHOWN = 5;

/** An error result; its text is scrubbed of secrets (the known values of this call's arguments too). */
export function errorResult(error: GatewayError, secrets: readonly string[] = []): ToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `[${error.code}] ${scrubText(error.message, secrets)}` }],
  };
}

function shownName(name: string): string {
  return JSON.stringify(name.length > NAME_SHOWN ? `${name.slice(0, NAME_SHOWN)}…` : name);
}

/** "unknown argument "forse" (did you mean "force"?)": a typo must never turn into a different call. */
/** The known name closest to a typo; argument names are short, so one changed letter in five still counts. */
function closestKnown(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = 0.5;
  for (const candidate of known) {
    const score = similarity(key.slice(0, NAME_SHOWN), candidate);
    if (score > bestScore || (score === bestScore && best === undefined))
      [best, bestScore] = [candidate, score];
  }
  return best;
}

function unknownKeys(keys: readonly string[], known: readonly string[]): string {
  const described = keys.slice(0, KEYS_SHOWN).map((key) => {
    const close = closestKnown(key, known);
    return `${shownName(key)}${close ? ` (did you mean "${close}"?)` : ''}`;
  });
  const more = keys.length > KEYS_SHOWN ? ` and ${keys.length - KEYS_SHOWN} more` : '';
  const takes = known.length > 0 ? `it takes ${known.join(', ')}` : 'it takes no arguments';
  return `unknown argument${keys.length > 1 ? 's' : ''} ${described.join(', ')}${more}; ${takes}`;
}

/** Schema problems in plain words, at most ten. */
export function describeIssues(issues: z.core.$ZodIssue[], known: readonly string[] = []): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0)
        return unknownKeys(issue.keys, known);
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Take the reserved approval id out of the arguments; `malformed` when it was sent but is not a string. */
export function splitApproval(args: unknown): {
  args: unknown;
  approvalId: string | undefined;
  malformed: boolean;
} {
  if (args === null || typeof args !== 'object' || Array.isArray(args) || !(APPROVAL_ARG in args))
    return { args, approvalId: undefined, malformed: false };
  const { [APPROVAL_ARG]: approvalId, ...rest } = args as Record<string, unknown>;
  const isString = typeof approvalId === 'string';
  return { args: rest, approvalId: isString ? approvalId : undefined, malformed: !isString };
}

/** How an unverified approval id is recorded: as what it is, cut and masked, never as a used approval. */
export function presentedApprovalId(id: string): string {
  return scrubText(id.length > NAME_SHOWN ? `${id.slice(0, NAME_SHOWN)}…` : id);
}

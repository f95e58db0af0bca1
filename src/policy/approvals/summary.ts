import { hostname } from 'node:os';
import { redactForHuman, scrubText, secretValues } from '../../audit/redact.ts';
import type { Principal } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import type { ToolDefinition } from '../../mcp/tool.ts';
import { canonicalJson } from './canonical.ts';

/**
 * The most an approval or a confirmation shows: the arguments as a person reads them (secrets masked),
 * as JSON. A call whose arguments are longer is refused instead of being approved unread.
 */
export const HUMAN_COPY_MAX_CHARS = 262_144;
const SUMMARY_MAX_CHARS = 500;

/**
 * The arguments exactly as the call will run them, with every secret masked visibly
 * (`[secret: 12 chars]`, the key kept) and nothing cut. Refuses arguments too long for a
 * person to be shown.
 */
export function humanCopy(tool: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  const copy = redactForHuman(args, tool.sensitive);
  const size = canonicalJson(copy).length;
  if (size > HUMAN_COPY_MAX_CHARS) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The arguments of ${tool.name} are ${size} characters long, more than the ${HUMAN_COPY_MAX_CHARS} a confirmation or an approval can show, and nothing runs that a person could not read in full. Make the change in smaller steps.`,
    );
  }
  return copy;
}

/**
 * One plain sentence of what the call will do: the tool's own summary, or its title and arguments.
 * Scrubbed like everything else a person or a log sees: detected secrets, and the exact values the
 * key rules hide in the arguments.
 */
export function summarizeCall(tool: ToolDefinition, args: Record<string, unknown>): string {
  const own = safeSummary(tool, args);
  const text = own ?? `${tool.title} with ${canonicalJson(redactForHuman(args, tool.sensitive))}.`;
  const scrubbed = scrubText(text, secretValues(args, tool.sensitive));
  return scrubbed.length > SUMMARY_MAX_CHARS
    ? `${scrubbed.slice(0, SUMMARY_MAX_CHARS)}… (the arguments below are complete)`
    : scrubbed;
}

function safeSummary(tool: ToolDefinition, args: Record<string, unknown>): string | undefined {
  try {
    const text = tool.summarize?.(args as never);
    return typeof text === 'string' && text.trim() ? text.trim() : undefined;
  } catch {
    return undefined; // a summary that cannot be made must not block the decision; the arguments are shown anyway
  }
}

/** Everything a human needs to decide, in plain words, for a confirmation prompt. */
export function describeForHuman(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  principal: Principal,
): string {
  return [
    `${tool.title} (${tool.name}), risk: ${tool.risk}`,
    `What it does: ${summarizeCall(tool, args)}`,
    `Arguments (complete; secrets shown as [secret: N chars]): ${canonicalJson(humanCopy(tool, args))}`,
    `Requested by: ${principal.name} (${principal.id})`,
  ].join('\n');
}

/**
 * Base URL of the approval page: the public URL when set, else the listen address — with this machine's name
 * for a wildcard address (0.0.0.0, [::]), which no browser can open.
 */
export function approvalsBaseUrl(config: Pick<Config, 'public_url' | 'listen'>): string {
  const listen = config.listen.replace(/^(0\.0\.0\.0|\[::\]|)(?=:\d+$)/, hostname());
  const base = config.public_url ?? `http://${listen}`;
  return `${base.replace(/\/+$/, '')}/approvals`;
}

export function approvalUrl(config: Pick<Config, 'public_url' | 'listen'>, id: string): string {
  return `${approvalsBaseUrl(config)}/${encodeURIComponent(id)}`;
}

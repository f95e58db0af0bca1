import { hostname } from 'node:os';
import { redactArgs } from '../../audit/redact.ts';
import type { Principal } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import type { ToolDefinition } from '../../mcp/tool.ts';
import { canonicalJson } from './canonical.ts';

/** One plain sentence of what the call will do: the tool's own summary, or its title and arguments. */
export function summarizeCall(tool: ToolDefinition, args: Record<string, unknown>): string {
  const own = safeSummary(tool, args);
  if (own) return own;
  return `${tool.title} with ${canonicalJson(redactArgs(args, tool.sensitive))}.`;
}

function safeSummary(tool: ToolDefinition, args: Record<string, unknown>): string | undefined {
  try {
    const text = tool.summarize?.(args as never);
    return typeof text === 'string' && text.trim() ? text.trim().slice(0, 500) : undefined;
  } catch {
    return undefined; // a summary that cannot be made must not block the decision; the arguments are shown anyway
  }
}

export function displayArgs(tool: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  return redactArgs(args, tool.sensitive) as Record<string, unknown>;
}

/** Everything a human needs to decide, in plain words, for a confirmation prompt or a notification. */
export function describeForHuman(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  principal: Principal,
): string {
  return [
    `${tool.title} (${tool.name}), risk: ${tool.risk}`,
    `What it does: ${summarizeCall(tool, args)}`,
    `Arguments: ${canonicalJson(displayArgs(tool, args))}`,
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

import type { Config } from '../../config/schema.ts';
import type { ToolDefinition } from '../../mcp/tool.ts';
import { ruleFor } from '../gate.ts';

export const APPROVAL_ARG_SCHEMA = {
  type: 'string',
  description: 'Only to retry after "approval pending": the id it gave, with the same arguments',
} as const;

/**
 * The listed input schema of a tool that may need an approval (rule `approve`,
 * or `confirm`, which can fall back to it) also names the reserved
 * `approval_id` argument, so clients and models know they may send it.
 */
export function withApprovalArg(
  schema: Record<string, unknown>,
  tool: Pick<ToolDefinition, 'name' | 'risk'>,
  config: Pick<Config, 'policy'>,
): Record<string, unknown> {
  const rule = ruleFor(config, tool);
  if (rule !== 'approve' && rule !== 'confirm') return schema;
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  return { ...schema, properties: { ...properties, approval_id: APPROVAL_ARG_SCHEMA } };
}

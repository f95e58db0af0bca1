import type { Config } from '../config/schema.ts';
import type { Risk, ToolAnnotations } from '../mcp/tool.ts';
import type { Permission } from './permissions.ts';

export interface ExposureInput {
  name: string;
  risk: Risk;
  annotations: ToolAnnotations;
  moduleEnabled: boolean;
  moduleId: string;
  /** The toolsets it belongs to (its module, and the module's area). */
  toolsets?: readonly string[];
}

/**
 * The one filter that decides, from configuration alone, whether a tool exists
 * for callers at all. Returns why a tool is hidden, or undefined when exposed.
 * The permission check per caller comes after it, in listing and again at call time.
 */
export function hiddenBecause(tool: ExposureInput, config: Pick<Config, 'tools'>): string | undefined {
  const { tools } = config;
  if (!tool.moduleEnabled) return `module "${tool.moduleId}" is disabled (modules.${tool.moduleId}.enabled)`;
  if (tools.read_only && !(tool.risk === 'low' && tool.annotations.readOnlyHint)) {
    return 'the gateway runs in read-only mode (tools.read_only)';
  }
  if (tools.disable_destructive && tool.annotations.destructiveHint) {
    return 'destructive tools are disabled (tools.disable_destructive)';
  }
  if (tools.disabled.includes(tool.name)) return 'it is disabled by configuration (tools.disabled)';
  const chosen = tools.enabled.length > 0 || tools.toolsets.length > 0;
  if (
    chosen &&
    !tools.enabled.includes(tool.name) &&
    !tool.toolsets?.some((t) => tools.toolsets.includes(t))
  ) {
    return 'it is in neither tools.enabled nor tools.toolsets';
  }
  return undefined;
}

/** A tool as the exposure filter has judged it: why configuration hides it, and what it needs. */
export interface JudgedTool {
  hidden: string | undefined;
  def: { permission: Permission };
}

/**
 * Whether a caller can use a tool: configuration exposes it and the caller holds its
 * permission. Tools/list, resources and prompts all ask this; the call wrapper checks
 * the same two things one at a time, to say which one failed.
 */
export function usableBy(tool: JudgedTool | undefined, permissions: ReadonlySet<Permission>): boolean {
  return tool !== undefined && tool.hidden === undefined && permissions.has(tool.def.permission);
}

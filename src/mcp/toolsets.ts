import type { ToolModule } from '../modules/types.ts';

/**
 * Toolsets: named groups of tools that tools.toolsets exposes whole — a module
 * (`docker`) or one of the areas it declares (`docker.containers`).
 */

const inArea = (name: string, prefixes: readonly string[]) =>
  prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}_`));

/** The toolsets a tool of this module belongs to: the module, and its area when it declares areas. */
export function toolsetsOf(module: Pick<ToolModule, 'id' | 'areas'>, toolName: string): string[] {
  const areas = Object.entries(module.areas ?? {}).filter(([, prefixes]) => inArea(toolName, prefixes));
  return [module.id, ...areas.map(([area]) => `${module.id}.${area}`)];
}

/** Every toolset name of these modules. */
export function toolsetNames(modules: readonly Pick<ToolModule, 'id' | 'areas'>[]): string[] {
  return modules.flatMap((m) => [m.id, ...Object.keys(m.areas ?? {}).map((area) => `${m.id}.${area}`)]);
}

/** A tool of a module with areas must fall in exactly one of them. */
export function areaProblem(module: Pick<ToolModule, 'id' | 'areas'>, toolName: string): string | undefined {
  if (!module.areas) return undefined;
  const count = toolsetsOf(module, toolName).length - 1;
  return count === 1
    ? undefined
    : `tool ${toolName}: in ${count} areas of module ${module.id} (must be in one)`;
}

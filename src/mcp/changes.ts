import type { Registry } from './registry.ts';

/**
 * For each tool that can change something, the fixed-URI resources of its
 * module: after such a call succeeds, those resources may read differently
 * (e.g. inventory_scan and tailwarden://inventory). Read-only tools change
 * nothing. Computed once; coarse on purpose — an extra "updated" makes a
 * client read again, a missing one leaves it showing stale data.
 */
export function resourcesChangedByTool(registry: Registry): ReadonlyMap<string, readonly string[]> {
  const byModule = new Map<string, string[]>();
  for (const resource of registry.resources) {
    if (!resource.def.uri) continue;
    const list = byModule.get(resource.moduleId) ?? [];
    list.push(resource.def.uri);
    byModule.set(resource.moduleId, list);
  }
  const byTool = new Map<string, readonly string[]>();
  for (const tool of registry.tools.values()) {
    const uris = byModule.get(tool.moduleId);
    if (uris && !tool.annotations.readOnlyHint) byTool.set(tool.def.name, uris);
  }
  return byTool;
}

import type { ToolContext } from './tool.ts';

export interface ResourceContents {
  mimeType: string;
  text: string;
}

/**
 * A resource is a read-only view, addressed by a fixed `uri` or a `uriTemplate`
 * such as `tailwarden://inventory/{host}` (variables arrive in `params`).
 */
export interface ResourceDefinition<X = unknown> {
  name: string;
  title: string;
  description: string;
  uri?: string;
  uriTemplate?: string;
  mimeType: string;
  /**
   * The tools whose data this shows. It is listed and read only by callers who can use
   * every one of them — the same exposure switches and permissions — so it is never a
   * side door to data a disabled or forbidden tool would return.
   */
  tools: readonly string[];
  read: (
    params: Record<string, string>,
    ctx: ToolContext & X,
  ) => Promise<ResourceContents> | ResourceContents;
  /**
   * For resources a client may subscribe to: call `changed` whenever a fresh read would
   * differ; returns the function that stops it. Given the module's context only.
   */
  subscribe?: (ctx: X, changed: () => void) => () => void;
}

export function defineResource<X = unknown>(definition: ResourceDefinition<X>): ResourceDefinition<X> {
  return definition;
}

export function jsonResource(value: unknown): ResourceContents {
  return { mimeType: 'application/json', text: JSON.stringify(value, null, 2) };
}

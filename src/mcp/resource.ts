import type { Permission } from '../policy/permissions.ts';
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
  permission: Permission;
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

import { readFileSync } from 'node:fs';
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from '@modelcontextprotocol/ext-apps/server';
import type { ResourceDefinition } from '../resource.ts';

/** The pseudo-module that owns the gateway's own app resources (no runtime of its own). */
export const APPS_MODULE = 'apps';

export const STATUS_CARD_URI = 'ui://tailwarden/status-card';

/**
 * MCP Apps (ext-apps): self-contained HTML views a client may render beside a
 * tool's result. A tool names its view with `ui`; the view is an ordinary
 * resource, listed and read through the same catalog and permission rules as
 * every other one. Results never depend on the view being rendered.
 */
function appResource(options: {
  uri: string;
  name: string;
  title: string;
  description: string;
  tools: ResourceDefinition['tools'];
  file: string;
}): ResourceDefinition {
  // Read once at start-up: the HTML is fixed for the life of the process.
  const text = readFileSync(new URL(options.file, import.meta.url), 'utf8');
  return {
    name: options.name,
    title: options.title,
    description: options.description,
    uri: options.uri,
    mimeType: RESOURCE_MIME_TYPE,
    tools: options.tools,
    read: () => ({ mimeType: RESOURCE_MIME_TYPE, text }),
  };
}

export const gatewayApps: readonly ResourceDefinition[] = [
  appResource({
    uri: STATUS_CARD_URI,
    name: 'status_card',
    title: 'Host status card',
    description: 'A card showing a system_status result (hostname, load, CPU, memory, disks, warnings).',
    tools: ['system_status'],
    file: './status-card.html',
  }),
];

/** The `_meta` a listed tool carries to name its view (both the current and the older key). */
export function uiMeta(uri: string): Record<string, unknown> {
  return { ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri };
}

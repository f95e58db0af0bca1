import { readFileSync } from 'node:fs';
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from '@modelcontextprotocol/ext-apps/server';
import { bundle, inlineScript, uplot, webFile } from '../../ui/bundle.ts';
import { assetUrl } from '../../util/asset.ts';
import type { ResourceDefinition } from '../resource.ts';

/** The pseudo-module that owns the gateway's own app resources (no runtime of its own). */
export const APPS_MODULE = 'apps';

export const STATUS_CARD_URI = 'ui://tailwarden/status-card';
export const HISTORY_CHART_URI = 'ui://tailwarden/history-chart';
export const CONTAINERS_URI = 'ui://tailwarden/containers';
export const ALERTS_URI = 'ui://tailwarden/alerts';
export const FLEET_URI = 'ui://tailwarden/fleet';

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
  /** An HTML file beside this one (src/mcp/apps). */
  file?: string;
  /** Or a view built from the dashboard's browser code (src/ui/web), one entry module. */
  entry?: { module: string; title: string; chart?: boolean };
}): ResourceDefinition {
  // Built once, on first read: the HTML is fixed for the life of the process.
  let text: string | undefined;
  const html = () => {
    text ??= options.entry
      ? viewPage(options.entry)
      : readFileSync(assetUrl(`mcp/apps/${options.file!}`), 'utf8');
    return text;
  };
  return {
    name: options.name,
    title: options.title,
    description: options.description,
    uri: options.uri,
    mimeType: RESOURCE_MIME_TYPE,
    tools: options.tools,
    read: () => ({ mimeType: RESOURCE_MIME_TYPE, text: html() }),
  };
}

/**
 * A self-contained view page: the dashboard's stylesheet and the entry's code inline (uPlot too
 * when it draws a chart), nothing fetched from anywhere, so it renders in a sandboxed frame.
 */
function viewPage(entry: { module: string; title: string; chart?: boolean }): string {
  const lib = entry.chart ? uplot() : undefined;
  const style = `${lib?.css ?? ''}\n${webFile('style.css')}\nbody { background: transparent; } #view { padding: .5rem; }`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${entry.title}</title><style>${style.replace(/<\/style/gi, '')}</style></head>
<body><div id="view" class="wait" role="region" aria-label="${entry.title}">Waiting for the tool result…</div>
${lib ? `<script>${inlineScript(lib.js)}</script>` : ''}
<script>${inlineScript(bundle(entry.module))}</script>
</body></html>
`;
}

export const gatewayApps: readonly ResourceDefinition[] = [
  appResource({
    uri: STATUS_CARD_URI,
    name: 'status_card',
    title: 'Host status card',
    description: 'A card showing a system_status result (hostname, load, CPU, memory, disks, warnings).',
    tools: ['system_status'],
    file: 'status-card.html',
  }),
  appResource({
    uri: HISTORY_CHART_URI,
    name: 'history_chart',
    title: 'History chart',
    description: 'A line chart of a watch_history result, with its figures in words and as a table.',
    tools: ['watch_history'],
    entry: { module: 'app-history.js', title: 'History chart', chart: true },
  }),
  appResource({
    uri: CONTAINERS_URI,
    name: 'container_table',
    title: 'Container table',
    description: 'A table of a docker_container_list result: state, health, image.',
    tools: ['docker_container_list'],
    entry: { module: 'app-containers.js', title: 'Containers' },
  }),
  appResource({
    uri: ALERTS_URI,
    name: 'alert_list',
    title: 'Open alerts',
    description: 'The open alerts and silences of a watch_alerts_list result, most severe first.',
    tools: ['watch_alerts_list'],
    entry: { module: 'app-alerts.js', title: 'Open alerts' },
  }),
  appResource({
    uri: FLEET_URI,
    name: 'fleet_cards',
    title: 'Fleet status',
    description: 'A card per host of a fleet_status result: up or down, load, memory, disks, failed units.',
    tools: ['fleet_status'],
    entry: { module: 'app-fleet.js', title: 'Fleet status' },
  }),
];

/** The `_meta` a listed tool carries to name its view (both the current and the older key). */
export function uiMeta(uri: string): Record<string, unknown> {
  return { ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri };
}

import type { ServerNotifier } from '@modelcontextprotocol/server';
import type { Logger } from '../log.ts';
import type { CallObserver, CallOutcome } from '../mcp/call.ts';
import type { Catalog } from '../mcp/catalog.ts';
import { resourcesChangedByTool } from '../mcp/changes.ts';
import type { Registry } from '../mcp/registry.ts';

export interface ChangeFeed {
  /** Told about every finished call; announces the resources a successful change touched. */
  observer: CallObserver;
  close(): void;
}

/**
 * What `subscriptions/listen` streams hear: list changes when the daemon
 * reloads its configuration (SIGHUP re-reads the SSH command catalog and
 * the host list), resource updates after a successful call that may have
 * changed a resource, and updates of resources that change on their own
 * (watch status after each collection, alerts as they fire). The SDK filters
 * each stream to what it asked for.
 */
export function changeFeed(
  notify: ServerNotifier,
  registry: Registry,
  catalog: Catalog,
  log: Logger,
): ChangeFeed {
  const touched = resourcesChangedByTool(registry);
  const stopWatching = catalog.watchSelfChanging((uri) => notify.resourceUpdated(uri));
  const onReload = () => {
    log.info('configuration reloaded: announcing list changes to listening clients');
    notify.toolsChanged();
    notify.promptsChanged();
    notify.resourcesChanged();
  };
  process.on('SIGHUP', onReload);
  return {
    observer: {
      callFinished(tool: string, outcome: CallOutcome) {
        if (outcome !== 'ok') return;
        for (const uri of touched.get(tool) ?? []) notify.resourceUpdated(uri);
      },
    },
    close() {
      process.off('SIGHUP', onReload);
      stopWatching();
    },
  };
}

import type { Config } from '../config/schema.ts';
import type { Gateway } from '../gateway.ts';
import { InputRounds } from '../mcp/input-rounds.ts';
import type { McpServerDeps } from '../mcp/server.ts';
import { changeFeed } from './change-feed.ts';
import type { InflightResponses } from './inflight.ts';
import { ListenGuard } from './listen-guard.ts';
import type { GatewayMetrics } from './metrics.ts';
import { type ModernDoor, modernDoor } from './modern-door.ts';

/** Resource URIs one listen stream may watch. */
const MAX_WATCHED_RESOURCES = 32;

export interface McpDoors {
  deps: McpServerDeps;
  modern: ModernDoor;
  close(): Promise<void>;
}

/**
 * What both protocol doors share: the server factory's dependencies (the one
 * registry, catalog and call wrapper), and for the 2026-07-28 door its
 * listen limits and the change feed it publishes. Every finished call is told
 * to the metrics and to the change feed.
 */
export function mcpDoors(
  config: Config,
  gateway: Gateway,
  inflight: InflightResponses,
  metrics: GatewayMetrics,
): McpDoors {
  const deps: McpServerDeps = {
    registry: gateway.registry,
    caller: gateway.caller,
    catalog: gateway.catalog,
    rounds: new InputRounds(config.state_dir),
  };
  const listen = new ListenGuard(
    { perPrincipal: config.http.max_listen_per_principal, maxResources: MAX_WATCHED_RESOURCES },
    (principal, uri) => gateway.catalog.canRead(principal, uri),
  );
  const modern = modernDoor({
    deps,
    inflight,
    listen,
    maxListenStreams: config.http.max_listen,
    bodyLimit: config.http.body_limit,
    listenMaxMs: config.http.session_idle_timeout,
    log: gateway.log,
  });
  const feed = changeFeed(modern.handler.notify, gateway.registry, gateway.catalog, gateway.log);
  gateway.caller.observer = {
    callFinished(tool, outcome, seconds) {
      metrics.callFinished(tool, outcome, seconds);
      feed.observer.callFinished(tool, outcome, seconds);
    },
  };
  return {
    deps,
    modern,
    async close() {
      feed.close();
      await modern.handler.close();
    },
  };
}

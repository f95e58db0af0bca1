import type { Principal } from '../auth/principal.ts';
import { GatewayError } from '../errors.ts';
import { toolsWith } from '../mcp/tool.ts';
import type { WatchRuntime } from './runtime.ts';
import { AREA_PERMISSION, type Area } from './series.ts';

/** What every watch tool handler receives as `ctx.watch`. */
export interface WatchContext {
  watch: WatchRuntime;
}

export const watchTool = toolsWith<WatchContext>();

/** The areas (system, docker, tailscale, fleet) whose history and alerts this caller may read. */
export function readableAreas(principal: Principal): Area[] {
  return (Object.keys(AREA_PERMISSION) as Area[]).filter((area) =>
    principal.permissions.has(AREA_PERMISSION[area]),
  );
}

export function requireArea(principal: Principal, area: Area, what: string): void {
  if (!principal.permissions.has(AREA_PERMISSION[area]))
    throw new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what} belongs to the ${area} area; reading it needs ${AREA_PERMISSION[area]}, which you do not hold.`,
      { details: { required: AREA_PERMISSION[area] } },
    );
}

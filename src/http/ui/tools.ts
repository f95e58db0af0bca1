import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.ts';
import type { Gateway } from '../../gateway.ts';
import type { CallResult } from '../../mcp/call.ts';
import { headlessChannel } from '../../mcp/channel.ts';

/**
 * The tools the dashboard calls. Each goes through the one call wrapper (availability,
 * permission, input check, risk rule, audit) exactly as an MCP client's call does, with the
 * signed-in person as the caller; a view is offered when `tools/list` would list its tool to them.
 * Only these names are accepted from the page, so a forged request cannot reach any other tool.
 */
export const DASHBOARD_TOOLS = [
  'system_status',
  'system_services_list',
  'fleet_status',
  'docker_container_list',
  'tailscale_devices_list',
  'watch_status',
  'watch_series_list',
  'watch_history',
  'watch_alerts_list',
  'watch_alerts_history',
  'watch_alert_acknowledge',
  'watch_silence_create',
  'watch_silence_remove',
] as const;
export type DashboardTool = (typeof DASHBOARD_TOOLS)[number];

export function isDashboardTool(name: string): name is DashboardTool {
  return (DASHBOARD_TOOLS as readonly string[]).includes(name);
}

/** The dashboard as an MCP client: it cannot be asked questions mid-call (no elicitation or sampling). */
const channel = headlessChannel('tailwarden-dashboard');

/** Which of the dashboard's tools this person's tools/list shows (configuration exposure and permission). */
export function listedDashboardTools(gateway: Gateway, principal: Principal): DashboardTool[] {
  const listed = new Set(gateway.registry.listTools(principal).map((t) => t.name));
  return DASHBOARD_TOOLS.filter((name) => listed.has(name));
}

/** One tool call on behalf of the signed-in person, through the call wrapper, audited as from the dashboard. */
export function callForPage(
  gateway: Gateway,
  principal: Principal,
  name: DashboardTool,
  args: unknown,
  signal: AbortSignal,
): Promise<CallResult> {
  return gateway.caller.call({
    name,
    args,
    principal,
    sessionId: `dashboard-${principal.id}`,
    rpcId: randomUUID(),
    channel,
    signal,
  });
}

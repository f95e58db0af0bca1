import type { Principal } from '../../auth/principal.ts';
import type { Gateway } from '../../gateway.ts';
import { type DashboardTool, listedDashboardTools } from './tools.ts';

/** The dashboard's views, in menu order. */
export const VIEWS = [
  'overview',
  'charts',
  'containers',
  'services',
  'devices',
  'alerts',
  'approvals',
  'audit',
] as const;
export type ViewName = (typeof VIEWS)[number];

/** The tools whose answers a view shows: it is offered when tools/list lists at least one to the person. */
const VIEW_TOOLS: Partial<Record<ViewName, readonly DashboardTool[]>> = {
  overview: ['system_status', 'fleet_status', 'watch_alerts_list', 'docker_container_list'],
  charts: ['watch_history'],
  containers: ['docker_container_list'],
  services: ['system_services_list'],
  devices: ['tailscale_devices_list'],
  alerts: ['watch_alerts_list'],
};

/**
 * What one signed-in person is offered: the views whose tools their tools/list shows, the
 * approval requests when they hold approvals:grant (as the approval page), the audit log when
 * they hold audit:read (as watch_events). The page uses this only to draw its menu; every
 * request it makes is checked again on its own.
 */
export function offerFor(gateway: Gateway, principal: Principal) {
  const tools = listedDashboardTools(gateway, principal);
  const approve = principal.permissions.has('approvals:grant');
  const audit = principal.permissions.has('audit:read');
  const views = VIEWS.filter((view) => {
    if (view === 'approvals') return approve;
    if (view === 'audit') return audit;
    return (VIEW_TOOLS[view] ?? []).some((t) => tools.includes(t));
  });
  return { views, tools };
}

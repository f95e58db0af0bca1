import { alertList } from './alerts.js';
import { callTool, getJson } from './api.js';
import { el, note, visible } from './dom.js';
import { fleetCards } from './fleet.js';
import { hostCard } from './status.js';

function tile(label, value, kind) {
  return el(
    'div',
    { class: `tile ${kind ?? ''}` },
    el('span', { class: 'tile-value', text: String(value) }),
    el('span', { class: 'tile-label', text: label }),
  );
}

/** Each part only when the person's tools/list shows its tool; a part that fails says why. */
async function part(may, work) {
  if (!may) return undefined;
  try {
    return await work();
  } catch (error) {
    return { error: error.message };
  }
}

export async function overviewView(root, me) {
  const may = (tool) => me.tools.includes(tool);
  const [host, fleet, alerts, containers, updates, approvals] = await Promise.all([
    part(may('system_status'), () => callTool('system_status', {})),
    part(may('fleet_status'), () => callTool('fleet_status', {})),
    part(may('watch_alerts_list'), () => callTool('watch_alerts_list', {})),
    part(may('docker_container_list'), () => callTool('docker_container_list', { all: true })),
    part(may('watch_history'), () => callTool('watch_history', { series: 'updates.pending', from: '24h' })),
    part(me.views.includes('approvals'), () => getJson('/ui/api/approvals')),
  ]);
  const tiles = el('div', { class: 'tiles', role: 'list', 'aria-label': 'At a glance' });
  if (alerts && !alerts.error) {
    const firing = alerts.alerts.filter((a) => a.status === 'firing').length;
    tiles.append(tile('alerts firing', firing, firing > 0 ? 'bad' : 'ok'));
  }
  if (approvals && !approvals.error)
    tiles.append(
      tile('approvals pending', approvals.pending.length, approvals.pending.length > 0 ? 'warn' : ''),
    );
  if (containers && !containers.error) {
    const running = containers.containers.filter((c) => c.state === 'running').length;
    tiles.append(tile('containers running', `${running}/${containers.count}`));
    const unhealthy = containers.containers.filter((c) => c.health === 'unhealthy').length;
    if (unhealthy > 0) tiles.append(tile('containers unhealthy', unhealthy, 'bad'));
  }
  if (updates && !updates.error) {
    const points = updates.results[0]?.points ?? [];
    tiles.append(tile('updates pending', points.length > 0 ? points[points.length - 1].max : '–'));
  }
  if (fleet && !fleet.error)
    tiles.append(
      tile('fleet hosts down', fleet.not_answered.length, fleet.not_answered.length > 0 ? 'bad' : 'ok'),
    );
  for (const t of tiles.children) t.setAttribute('role', 'listitem');
  const parts = [el('h1', { text: 'Overview' }), tiles];
  if (host) parts.push(host.error ? note(`This host: ${visible(host.error)}`) : hostCard(host));
  if (alerts)
    parts.push(
      el('h2', { text: 'Open alerts' }),
      alerts.error ? note(visible(alerts.error)) : alertList({ alerts: alerts.alerts.slice(0, 5) }),
    );
  if (fleet)
    parts.push(
      el('h2', { text: 'Fleet' }),
      fleet.error ? note(visible(fleet.error)) : el('div', { class: 'cards' }, fleetCards(fleet)),
    );
  root.replaceChildren(...parts);
}

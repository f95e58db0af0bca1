import { callTool } from './api.js';
import { containerTable } from './containers.js';
import { badge, el, fmtAgo, note, table, visible } from './dom.js';

/** Recent CPU and memory per container from the history (when the person may read it). */
async function recentOf(me) {
  if (!me.tools.includes('watch_history')) return undefined;
  const recent = {};
  const entry = (name) => (recent[name] ??= { cpu: [], memory: [] });
  for (const [series, key] of [
    ['docker.container.cpu.percent', 'cpu'],
    ['docker.container.memory.bytes', 'memory'],
  ]) {
    const h = await callTool('watch_history', { series, from: '1h', step: '1m' }).catch(() => ({
      results: [],
    }));
    for (const r of h.results) entry(r.labels.container ?? '')[key] = r.points.map((p) => p.avg);
  }
  return recent;
}

export async function containersView(root, me) {
  const [list, recent] = await Promise.all([callTool('docker_container_list', { all: true }), recentOf(me)]);
  root.replaceChildren(el('h1', { text: 'Containers' }), containerTable(list, recent));
}

export async function servicesView(root) {
  const data = await callTool('system_services_list', { type: 'service' });
  const kind = (u) => (u.active === 'active' ? 'ok' : u.active === 'failed' ? 'bad' : 'off');
  root.replaceChildren(
    el('h1', { text: 'Services' }),
    data.units.length === 0
      ? note('No services.')
      : table(
          `${data.count} services`,
          [
            { head: 'Unit', cell: (u) => u.unit },
            { head: 'State', cell: (u) => badge(`${u.active} (${u.sub})`, kind(u)) },
            { head: 'Description', class: 'wide', cell: (u) => u.description },
          ],
          data.units,
          { class: 'services' },
        ),
  );
}

export async function devicesView(root) {
  const data = await callTool('tailscale_devices_list', {});
  root.replaceChildren(
    el('h1', { text: 'Tailscale devices' }),
    data.devices.length === 0
      ? note('No devices.')
      : table(
          `${data.matched} devices`,
          [
            { head: 'Name', cell: (d) => d.name },
            { head: 'Online', cell: (d) => badge(d.online ? 'online' : 'offline', d.online ? 'ok' : 'off') },
            { head: 'Last seen', cell: (d) => (d.online ? 'now' : fmtAgo(d.last_seen)) },
            { head: 'Key expiry', cell: (d) => (d.key_expiry_disabled ? 'disabled' : fmtAgo(d.key_expires)) },
            { head: 'Tags', cell: (d) => (d.tags ?? []).map(visible).join(' ') || '–' },
            { head: 'OS', cell: (d) => d.os },
          ],
          data.devices,
          { class: 'devices' },
        ),
  );
}

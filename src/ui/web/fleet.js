import { badge, el, fmtAgo, meter, visible } from './dom.js';

/**
 * Fleet hosts: a fleet_status result ({ hosts: [{ host, answered, load_average, memory, disks,
 * failed_units, error }] }). The dashboard feeds it the collector's latest readings in the same shape.
 */
export function fleetCards(data) {
  const hosts = data?.hosts ?? [];
  if (hosts.length === 0) return [el('p', { class: 'note', text: 'No fleet hosts.' })];
  return hosts.map((h) => {
    const card = el(
      'section',
      {
        class: `card fleet-host ${h.answered ? 'up' : 'down'}`,
        'aria-label': `Fleet host ${visible(h.host)}`,
      },
      el('h3', {}, visible(h.host), ' ', badge(h.answered ? 'up' : 'down', h.answered ? 'ok' : 'bad')),
    );
    if (h.checked_at) card.append(el('p', { class: 'sub', text: `checked ${fmtAgo(h.checked_at)}` }));
    if (h.load_average) card.append(el('p', { class: 'sub', text: `load ${h.load_average.m1}` }));
    if (h.memory) card.append(meter('Memory', h.memory.used_percent));
    for (const d of (h.disks ?? []).slice(0, 4)) card.append(meter(d.mount, d.used_percent));
    if ((h.failed_units ?? []).length > 0)
      card.append(
        el('p', { class: 'warn', text: `Failed units: ${h.failed_units.map(visible).join(', ')}` }),
      );
    if (h.error) card.append(el('p', { class: 'warn', text: visible(h.error) }));
    return card;
  });
}

import { badge, el, table, visible } from './dom.js';
import { sparkline } from './sparkline.js';

const HEALTH = { healthy: 'ok', unhealthy: 'bad', starting: 'warn' };

/**
 * Containers: a docker_container_list result, with, when given, recent CPU and memory per
 * container name ({ [name]: { cpu: [..], memory: [..], restarts } }) as sparklines.
 */
export function containerTable(data, recent) {
  const rows = data?.containers ?? [];
  const trend = recent ?? {};
  const columns = [
    { head: 'Name', cell: (c) => el('span', { class: 'name', text: visible(c.name) }) },
    {
      head: 'State',
      cell: (c) => badge(c.state, c.state === 'running' ? 'ok' : c.state === 'restarting' ? 'warn' : 'off'),
    },
    { head: 'Health', cell: (c) => (c.health ? badge(c.health, HEALTH[c.health] ?? '') : '–') },
    { head: 'Restarts', class: 'num', cell: (c) => trend[c.name]?.restarts ?? '–' },
    { head: 'Image', class: 'wide', cell: (c) => visible(c.image) },
  ];
  if (recent) {
    columns.push(
      {
        head: 'CPU (1 h)',
        cell: (c) => sparkline(trend[c.name]?.cpu, `CPU of ${visible(c.name)}`, 'percent'),
      },
      {
        head: 'Memory (1 h)',
        cell: (c) => sparkline(trend[c.name]?.memory, `Memory of ${visible(c.name)}`, 'bytes'),
      },
    );
  }
  if (rows.length === 0) return el('p', { class: 'note', text: 'No containers.' });
  return table(`${rows.length} containers`, columns, rows, { class: 'containers' });
}

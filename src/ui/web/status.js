import { el, fmtBytes, meter, visible } from './dom.js';

/** The host card: a system_status result (hostname, OS, uptime, load, CPU, memory, disks, warnings). */
export function hostCard(s) {
  const days = Math.floor((s.uptime_s ?? 0) / 86400);
  const hours = Math.floor(((s.uptime_s ?? 0) % 86400) / 3600);
  const load = s.load_average ? `load ${s.load_average.m1.toFixed(2)}` : '';
  const card = el(
    'section',
    { class: 'card host', 'aria-label': `Host ${visible(s.hostname)}` },
    el('h2', { class: 'host-name', text: visible(s.hostname) }),
    el('p', {
      class: 'sub',
      text: [
        `${visible(s.os?.distro ?? '')} ${visible(s.os?.release ?? '')}`.trim(),
        visible(s.virtualization?.kind ?? ''),
        `up ${days}d ${hours}h`,
        load,
      ]
        .filter(Boolean)
        .join(' · '),
    }),
    meter('CPU', s.cpu?.usage_percent, s.cpu ? `${s.cpu.cores} cores` : ''),
    meter(
      'Memory',
      s.memory?.used_percent,
      s.memory ? `${fmtBytes(s.memory.used_bytes)} of ${fmtBytes(s.memory.total_bytes)}` : '',
    ),
    (s.disks ?? [])
      .slice(0, 8)
      .map((d) => meter(d.mount, d.used_percent, `${fmtBytes(d.used_bytes)} of ${fmtBytes(d.size_bytes)}`)),
  );
  if ((s.warnings ?? []).length > 0)
    card.append(
      el(
        'ul',
        { class: 'warnings' },
        s.warnings.slice(0, 10).map((w) => el('li', { text: visible(w) })),
      ),
    );
  return card;
}

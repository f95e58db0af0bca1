import { badge, el, fmtAgo, fmtTime, visible } from './dom.js';

const SEVERITY = { critical: 'bad', warning: 'warn', info: '' };

function labelsText(labels) {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${visible(k)}=${visible(v)}`)
    .join(' ');
}

/**
 * One alert (as watch_alerts_list and watch_alerts_history give it). `actions`, when given,
 * adds Acknowledge and Silence buttons; they call back, the caller makes the tool call.
 */
export function alertItem(a, actions) {
  const state =
    a.status === 'acknowledged'
      ? `acknowledged by ${visible(a.acknowledged_by ?? '?')} ${fmtAgo(a.acknowledged_at)}`
      : a.status === 'resolved'
        ? `resolved ${fmtAgo(a.resolved_at)}`
        : `firing since ${fmtAgo(a.started_at)}`;
  const item = el(
    'li',
    { class: `alert ${a.status}`, 'data-alert-id': visible(a.id) },
    el(
      'div',
      { class: 'alert-head' },
      badge(a.severity, SEVERITY[a.severity] ?? ''),
      ' ',
      el('strong', { class: 'alert-summary', text: visible(a.summary) }),
    ),
    el('p', {
      class: 'sub',
      text: `${visible(a.rule)} · ${state}${a.silenced ? ' · silenced' : ''}${labelsText(a.labels) ? ` · ${labelsText(a.labels)}` : ''}`,
    }),
    el('p', { class: 'sub', text: `started ${fmtTime(a.started_at)}` }),
  );
  if (actions && a.status !== 'resolved') {
    const row = el('div', { class: 'actions' });
    if (actions.acknowledge && a.status === 'firing')
      row.append(
        el('button', {
          type: 'button',
          class: 'ack',
          text: 'Acknowledge',
          onclick: () => actions.acknowledge(a),
        }),
      );
    if (actions.silence && !a.silenced)
      row.append(
        el('button', {
          type: 'button',
          class: 'silence',
          text: 'Silence 1 h',
          onclick: () => actions.silence(a),
        }),
      );
    if (row.childElementCount > 0) item.append(row);
  }
  return item;
}

/** Open alerts and silences: a watch_alerts_list result. */
export function alertList(data, actions) {
  const alerts = data?.alerts ?? [];
  const list =
    alerts.length === 0
      ? el('p', { class: 'note all-clear', text: 'No open alerts.' })
      : el(
          'ul',
          { class: 'alerts', 'aria-label': 'Open alerts' },
          alerts.map((a) => alertItem(a, actions)),
        );
  const silences = data?.silences ?? [];
  if (silences.length === 0) return list;
  return el(
    'div',
    {},
    list,
    el('h3', { text: 'Silences' }),
    el(
      'ul',
      { class: 'silences' },
      silences.map((s) =>
        el(
          'li',
          { 'data-silence-id': visible(s.id) },
          `${visible(s.rule)} ${labelsText(s.match)} until ${fmtTime(s.ends_at)} — ${visible(s.reason)} (${visible(s.created_by)})`,
          actions?.unsilence
            ? el('button', {
                type: 'button',
                class: 'unsilence',
                text: 'End',
                onclick: () => actions.unsilence(s),
              })
            : null,
        ),
      ),
    ),
  );
}

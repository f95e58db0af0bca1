import { alertItem, alertList } from './alerts.js';
import { callTool } from './api.js';
import { el, note } from './dom.js';

/** Open alerts (acknowledge and silence for those whose tools/list has those tools) and the last week's. */
export async function alertsView(root, me, refresh, say) {
  const may = (tool) => me.tools.includes(tool);
  const [open, history] = await Promise.all([
    callTool('watch_alerts_list', {}),
    may('watch_alerts_history') ? callTool('watch_alerts_history', { from: '7d', limit: 100 }) : undefined,
  ]);
  const act = (what, work) => async () => {
    try {
      await work();
      say(what);
    } catch (error) {
      say(`Not done: ${error.message}`);
    }
    refresh();
  };
  const actions = {
    acknowledge: may('watch_alert_acknowledge')
      ? (a) => act('Acknowledged.', () => callTool('watch_alert_acknowledge', { alert_id: a.id }))()
      : undefined,
    silence: may('watch_silence_create')
      ? (a) =>
          act('Silenced for 1 h.', () =>
            callTool('watch_silence_create', {
              rule: a.rule,
              match: a.labels,
              until: 'in 1h',
              reason: 'silenced from the dashboard',
            }),
          )()
      : undefined,
    unsilence: may('watch_silence_remove')
      ? (s) => act('Silence ended.', () => callTool('watch_silence_remove', { silence_id: s.id }))()
      : undefined,
  };
  root.replaceChildren(
    el('h1', { text: 'Alerts' }),
    alertList(open, actions),
    el('h2', { text: 'The last 7 days' }),
    !history
      ? note('The alert history needs watch_alerts_history.')
      : history.alerts.length === 0
        ? note('No alerts in the last 7 days.')
        : el(
            'ul',
            { class: 'alerts history', 'aria-label': 'Alert history' },
            history.alerts.map((a) => alertItem(a)),
          ),
  );
}

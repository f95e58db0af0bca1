import { callTool } from './api.js';
import { historyChart } from './chart.js';
import { el, visible } from './dom.js';

const RANGES = ['1h', '24h', '7d', '30d'];
const state = { series: 'host.cpu.percent', range: '1h', from: undefined, to: undefined };

/** Charts of any recorded history series over 1 h / 24 h / 7 d / 30 d; drag across the chart to zoom. */
export async function chartsView(root, me, refresh) {
  const list = me.tools.includes('watch_series_list')
    ? await callTool('watch_series_list', {})
    : { series: [] };
  const names = list.series.map((s) => s.name);
  if (names.length > 0 && !names.includes(state.series)) state.series = names[0];
  const args = state.from
    ? { series: state.series, from: state.from, to: state.to }
    : { series: state.series, from: state.range };
  const data = await callTool('watch_history', args);
  const select = el(
    'select',
    {
      id: 'series',
      onchange: (e) => {
        state.series = e.target.value;
        refresh();
      },
    },
    (names.length > 0 ? names : [state.series]).map((n) =>
      el('option', { value: n, selected: n === state.series, text: visible(n) }),
    ),
  );
  const ranges = el(
    'div',
    { class: 'ranges', role: 'group', 'aria-label': 'Time range' },
    RANGES.map((r) =>
      el('button', {
        type: 'button',
        'data-range': r,
        'aria-pressed': String(!state.from && state.range === r),
        text: r,
        onclick: () => {
          state.range = r;
          state.from = undefined;
          state.to = undefined;
          refresh();
        },
      }),
    ),
  );
  const box = el('div', { class: 'chart card', id: 'chart' });
  root.replaceChildren(
    el('h1', { text: 'Charts' }),
    el(
      'div',
      { class: 'controls' },
      el('label', { for: 'series', text: 'Series ' }),
      select,
      ranges,
      state.from
        ? el('button', {
            type: 'button',
            class: 'unzoom',
            text: 'Reset zoom',
            onclick: () => {
              state.from = undefined;
              refresh();
            },
          })
        : null,
    ),
    box,
  );
  historyChart(box, data, {
    onZoom: (fromMs, toMs) => {
      state.from = new Date(fromMs).toISOString();
      state.to = new Date(toMs).toISOString();
      refresh();
    },
  });
}

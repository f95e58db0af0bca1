import { el, fmtNumber, fmtTime, table, visible } from './dom.js';

const PALETTE = ['#2563eb', '#c2410c', '#15803d', '#7c3aed', '#be123c', '#0e7490', '#a16207', '#4b5563'];

export function seriesLabel(labels) {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? 'value' : entries.map(([k, v]) => `${visible(k)}=${visible(v)}`).join(' ');
}

/** The points of every series on one shared time axis (seconds), missing points as null. */
function aligned(results) {
  const times = new Set();
  for (const r of results) for (const p of r.points) times.add(Date.parse(p.t) / 1000);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = results.map((r) => {
    const column = new Array(xs.length).fill(null);
    for (const p of r.points) column[index.get(Date.parse(p.t) / 1000)] = p.avg;
    return column;
  });
  return [xs, ...ys];
}

/** What the chart shows, in words: per series its low, average, high and latest value. */
function summaryOf(data) {
  const unit = data.unit;
  if (data.results.length === 0) return 'Nothing recorded for this series in this range.';
  return data.results
    .slice(0, 8)
    .map((r) => {
      const values = r.points.map((p) => p.avg);
      if (values.length === 0) return `${seriesLabel(r.labels)}: no points`;
      const avg = values.reduce((a, b) => a + b, 0) / values.length;
      return `${seriesLabel(r.labels)}: low ${fmtNumber(Math.min(...r.points.map((p) => p.min)), unit)}, average ${fmtNumber(avg, unit)}, high ${fmtNumber(Math.max(...r.points.map((p) => p.max)), unit)}, latest ${fmtNumber(values[values.length - 1], unit)}`;
    })
    .join('; ');
}

function dataTable(data) {
  const rows = [];
  for (const r of data.results.slice(0, 8))
    for (const p of r.points.slice(-200)) rows.push({ series: seriesLabel(r.labels), ...p });
  return table(
    `${data.series} (${data.unit}), ${rows.length} points`,
    [
      { head: 'Series', cell: (r) => r.series },
      { head: 'Time', cell: (r) => fmtTime(r.t) },
      { head: 'Min', class: 'num', cell: (r) => fmtNumber(r.min, data.unit) },
      { head: 'Avg', class: 'num', cell: (r) => fmtNumber(r.avg, data.unit) },
      { head: 'Max', class: 'num', cell: (r) => fmtNumber(r.max, data.unit) },
    ],
    rows,
    { class: 'points' },
  );
}

/** Forget a chart drawn into this element before (its canvas, listeners and resize observer). */
export function destroyChart(root) {
  root._twChart?.destroy();
  root._twResize?.disconnect();
  root._twChart = undefined;
  root._twResize = undefined;
}

/**
 * A watch_history result as a line chart (uPlot) with a summary in words and the points as a
 * table. Dragging across the chart calls `onZoom(fromMs, toMs)`; the caller asks for that range.
 */
export function historyChart(root, data, options) {
  destroyChart(root);
  const onZoom = options?.onZoom;
  const plotBox = el('div', {
    class: 'plot',
    role: 'img',
    'aria-label': `Chart of ${visible(data.series)}: ${summaryOf(data)}`,
  });
  root.replaceChildren(
    el('h3', { class: 'chart-title', text: `${visible(data.series)} (${visible(data.unit)})` }),
    el('p', {
      class: 'sub',
      text: `${fmtTime(data.from)} – ${fmtTime(data.to)}, one point per ${data.step_s} s`,
    }),
    plotBox,
    el('p', { class: 'chart-summary', text: summaryOf(data) }),
    el(
      'details',
      { class: 'chart-table' },
      el('summary', { text: 'Show the points as a table' }),
      dataTable(data),
    ),
  );
  if (typeof uPlot === 'undefined' || data.results.length === 0) return;
  const width = () => Math.max(240, Math.floor(plotBox.clientWidth || root.clientWidth || 600));
  const chart = new uPlot(
    {
      width: width(),
      height: Math.max(160, Math.min(280, Math.round(width() * 0.45))),
      scales: { x: { time: true, min: Date.parse(data.from) / 1000, max: Date.parse(data.to) / 1000 } },
      cursor: { drag: { x: Boolean(onZoom), y: false, setScale: false } },
      legend: { live: true },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => fmtNumber(t, data.unit)), size: 70 }],
      series: [
        {},
        ...data.results.map((r, i) => ({
          label: seriesLabel(r.labels),
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          value: (_u, v) => fmtNumber(v, data.unit),
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (!onZoom || u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoom(Math.round(from), Math.round(to));
          },
        ],
      },
    },
    aligned(data.results),
    plotBox,
  );
  root._twChart = chart;
  if (typeof ResizeObserver !== 'undefined') {
    let last = width();
    root._twResize = new ResizeObserver(() => {
      const now = width();
      if (Math.abs(now - last) < 8) return;
      last = now;
      chart.setSize({ width: now, height: Math.max(160, Math.min(280, Math.round(now * 0.45))) });
    });
    root._twResize.observe(plotBox);
  }
}

import { escapeHtml } from './escape.ts';

export interface ChartSeries {
  label: string;
  points: { t: number; v: number }[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];
const W = 640;
const H = 180;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

function timeLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

/**
 * A line chart as an SVG element, drawn on the server (no script, no external file): time
 * on x, value on y from zero, a line per series, a legend. Labels are escaped.
 */
export function lineChart(
  title: string,
  unit: string,
  series: readonly ChartSeries[],
  fromMs: number,
  toMs: number,
): string {
  const span = Math.max(1, toMs - fromMs);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.v))));
  const x = (t: number) => PAD.left + ((t - fromMs) / span) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const gy = y(max * f).toFixed(1);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${gy}" y2="${gy}" stroke="#e5e7eb"/><text x="${PAD.left - 4}" y="${gy}" font-size="10" text-anchor="end" dominant-baseline="middle" fill="#6b7280">${escapeHtml(formatValue(max * f, unit))}</text>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const t = fromMs + span * f;
      return `<text x="${x(t).toFixed(1)}" y="${H - 8}" font-size="10" text-anchor="middle" fill="#6b7280">${escapeHtml(timeLabel(t, span))}</text>`;
    })
    .join('');
  const lines = series
    .slice(0, COLORS.length)
    .map((s, i) => {
      if (s.points.length === 0) return '';
      const d = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[i]}" stroke-width="1.5"/>`;
    })
    .join('');
  const legend = series
    .slice(0, COLORS.length)
    .map(
      (s, i) =>
        `<tspan fill="${COLORS[i]}">■</tspan><tspan fill="#374151"> ${escapeHtml(s.label.slice(0, 40))}  </tspan>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H + 18}" width="${W}" height="${H + 18}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${grid}${ticks}${lines}<text x="${PAD.left}" y="${H + 14}" font-size="11">${legend}</text></svg>`;
}

export function formatValue(v: number, unit: string): string {
  if (unit === 'bytes' || unit === 'bytes/s') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let n = v;
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${n.toFixed(n >= 10 || i === 0 ? 0 : 1)} ${units[i]}${unit === 'bytes/s' ? '/s' : ''}`;
  }
  if (unit === '%') return `${Math.round(v * 10) / 10}%`;
  return `${Math.round(v * 100) / 100}`;
}

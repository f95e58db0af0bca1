import { fmtNumber } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/**
 * A small line of recent values as inline SVG (no chart library for a table cell), with
 * its figures as the accessible name, so the picture is never the only way to read them.
 */
export function sparkline(values, what, unit) {
  const points = (values ?? []).filter((v) => typeof v === 'number' && Number.isFinite(v));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  if (points.length === 0) {
    svg.setAttribute('aria-label', `${what}: no history yet`);
    return svg;
  }
  const min = Math.min(...points);
  const max = Math.max(...points);
  const span = max - min || 1;
  const step = points.length > 1 ? 100 / (points.length - 1) : 0;
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute(
    'points',
    points.map((v, i) => `${(i * step).toFixed(1)},${(22 - ((v - min) / span) * 20).toFixed(1)}`).join(' '),
  );
  svg.append(line);
  svg.setAttribute(
    'aria-label',
    `${what}: latest ${fmtNumber(points[points.length - 1], unit)}, low ${fmtNumber(min, unit)}, high ${fmtNumber(max, unit)}`,
  );
  return svg;
}

import type { Consumer } from '../query.ts';
import { escapeHtml, escapeMarkdown as md } from './escape.ts';
import type { HealthReportData } from './health.ts';
import { formatValue, lineChart } from './svg.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function consumerRows(list: Consumer[], by: 'cpu' | 'memory'): string[][] {
  return list.map((c) => [
    c.kind,
    c.name,
    c.user ?? '',
    by === 'cpu'
      ? `${c.cpu_seconds ?? 0} s (avg ${c.avg_cpu_percent ?? 0}%, peak ${c.peak_cpu_percent ?? 0}%)`
      : `peak ${formatValue(c.peak_memory_bytes ?? 0, 'bytes')}, avg ${formatValue(c.avg_memory_bytes ?? 0, 'bytes')}`,
  ]);
}

interface Section {
  title: string;
  headers?: string[];
  rows?: string[][];
  text?: string;
}

function sections(d: HealthReportData): Section[] {
  const out: Section[] = [];
  out.push({
    title: 'Summary',
    text: [
      `Range: ${iso(d.from)} to ${iso(d.to)}.`,
      d.coveragePercent === null
        ? 'No host samples in this range.'
        : `Samples present for ${d.coveragePercent}% of the range (gaps mean the gateway or the host was down).`,
      `Alerts: ${
        Object.entries(d.alertCounts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'none'
      }.`,
      d.updates.pending === null
        ? ''
        : `Pending updates: ${d.updates.pending} (${d.updates.security ?? 0} security).`,
    ]
      .filter(Boolean)
      .join(' '),
  });
  if (d.peaks.length)
    out.push({
      title: 'Peaks',
      headers: ['Metric', 'Average', 'p95', 'Max'],
      rows: d.peaks.map((p) => [
        p.what,
        formatValue(p.avg, p.unit),
        formatValue(p.p95, p.unit),
        formatValue(p.max, p.unit),
      ]),
    });
  if (d.topCpu.length)
    out.push({
      title: 'Top CPU',
      headers: ['Kind', 'Name', 'User', 'CPU'],
      rows: consumerRows(d.topCpu, 'cpu'),
    });
  if (d.topMemory.length)
    out.push({
      title: 'Top memory',
      headers: ['Kind', 'Name', 'User', 'Memory'],
      rows: consumerRows(d.topMemory, 'memory'),
    });
  out.push({
    title: 'Alerts',
    headers: ['Started', 'Severity', 'Rule', 'Status', 'Summary'],
    rows: d.alerts.map((a) => [
      a.started_at,
      a.severity,
      a.rule,
      a.status + (a.acknowledged_by ? ` (ack ${a.acknowledged_by})` : ''),
      a.summary,
    ]),
  });
  const events = Object.entries(d.eventCounts);
  if (events.length)
    out.push({ title: 'Events', headers: ['Kind', 'Count'], rows: events.map(([k, v]) => [k, String(v)]) });
  if (d.changes)
    out.push({
      title: 'Changes (audit log)',
      headers: ['Time', 'Who', 'Tool', 'Outcome'],
      rows: d.changes.map((c) => [
        c.time,
        c.principal ?? '',
        c.tool ?? '',
        [c.outcome, c.error_code].filter(Boolean).join(' '),
      ]),
    });
  if (d.fleet.length)
    out.push({
      title: 'Fleet availability',
      headers: ['Host', 'Answered'],
      rows: d.fleet.map((f) => [f.host, `${f.availability_percent}%`]),
    });
  return out;
}

export function renderMarkdown(d: HealthReportData): string {
  const lines = [`# ${md(d.title)}`, '', `Generated ${iso(d.generatedAt)} by tailwarden.`, ''];
  for (const s of sections(d)) {
    lines.push(`## ${md(s.title)}`, '');
    if (s.text) lines.push(md(s.text), '');
    if (s.headers) {
      if (!s.rows?.length) lines.push('_None._', '');
      else {
        lines.push(`| ${s.headers.map(md).join(' | ')} |`, `|${s.headers.map(() => ' --- ').join('|')}|`);
        for (const row of s.rows) lines.push(`| ${row.map(md).join(' | ')} |`);
        lines.push('');
      }
    }
  }
  return lines.join('\n');
}

const STYLE =
  'body{font:14px/1.45 system-ui,sans-serif;max-width:920px;margin:2em auto;padding:0 1em;color:#111827}' +
  'h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #e5e7eb}' +
  'table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #f3f4f6;padding:4px 6px;text-align:left;vertical-align:top}' +
  'th{background:#f9fafb}.muted{color:#6b7280}figure{margin:1em 0}';

/** A self-contained page: inline style and server-drawn SVG charts, no script, no external resource. */
export function renderHtml(d: HealthReportData): string {
  const body: string[] = [
    `<h1>${escapeHtml(d.title)}</h1>`,
    `<p class="muted">Generated ${escapeHtml(iso(d.generatedAt))} by tailwarden.</p>`,
  ];
  for (const s of sections(d)) {
    body.push(`<h2>${escapeHtml(s.title)}</h2>`);
    if (s.text) body.push(`<p>${escapeHtml(s.text)}</p>`);
    if (s.title === 'Summary')
      for (const chart of d.charts)
        body.push(
          `<figure>${lineChart(chart.title, chart.unit, chart.series, d.from, d.to)}<figcaption class="muted">${escapeHtml(chart.title)}</figcaption></figure>`,
        );
    if (s.headers) {
      if (!s.rows?.length) body.push('<p class="muted">None.</p>');
      else
        body.push(
          `<table><thead><tr>${s.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${s.rows
            .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`,
        );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>${escapeHtml(d.title)}</title><style>${STYLE}</style></head><body>${body.join('\n')}</body></html>\n`;
}

// DOM helpers shared by the dashboard and the MCP Apps views. Text reaches the page only
// through textContent and attribute setters, never as HTML: names, labels, summaries and
// audit text come from callers and containers and are shown as the characters they are.

/** An element with attributes (`class`, `text`, aria-*, data-*, others) and children (nodes or text). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'onclick' || key === 'onsubmit' || key === 'onchange' || key === 'oninput')
      node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Control characters (terminal escapes and the like) shown as visible marks, never acted on. */
export function visible(value) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return String(value ?? '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c === '\u001b' ? '␛' : '�',
  );
}

export function fmtPercent(value) {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value * 10) / 10}%` : '–';
}

export function fmtBytes(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function fmtNumber(value, unit) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  if (unit === 'bytes') return fmtBytes(value);
  if (unit === 'bytes/s') return `${fmtBytes(value)}/s`;
  if (unit === 'percent') return fmtPercent(value);
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
  return unit && unit !== 'count' ? `${rounded} ${unit}` : String(rounded);
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? visible(iso)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/:\d\d\.\d+Z$/, 'Z');
}

/** "3 min ago", "in 2 d": how far a time is from now. */
export function fmtAgo(iso, now = Date.now()) {
  if (!iso) return '–';
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return visible(iso);
  const abs = Math.abs(ms);
  const [n, unit] =
    abs < 90_000
      ? [Math.round(abs / 1000), 's']
      : abs < 5_400_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 172_800_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  return ms < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** A horizontal meter with its value in text beside it (the text is what a screen reader reads). */
export function meter(label, percent, detail) {
  const clamped = Math.max(0, Math.min(100, Number(percent) || 0));
  const fill = el('i', { class: clamped >= 90 ? 'hot' : clamped >= 75 ? 'warm' : '' });
  fill.style.width = `${clamped}%`;
  return el(
    'div',
    { class: 'meter-row' },
    el('span', { class: 'meter-label', text: visible(label) }),
    el(
      'span',
      {
        class: 'meter',
        role: 'meter',
        'aria-valuenow': clamped,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-label': visible(label),
      },
      fill,
    ),
    el('span', {
      class: 'meter-value',
      text: detail ? `${fmtPercent(percent)} · ${detail}` : fmtPercent(percent),
    }),
  );
}

/** A table from column definitions ({ head, cell(row) → node|text, class }); caption for screen readers. */
export function table(caption, columns, rows, attrs) {
  return el(
    'table',
    attrs ?? {},
    el('caption', { text: caption }),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c) => el('th', { scope: 'col', text: c.head, class: c.class })),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          columns.map((c) => {
            const value = c.cell(row);
            return el('td', { class: c.class }, value instanceof Node ? value : visible(value));
          }),
        ),
      ),
    ),
  );
}

export function badge(text, kind) {
  return el('span', { class: `badge ${kind ?? ''}`, text: visible(text) });
}

export function note(text) {
  return el('p', { class: 'note', text });
}

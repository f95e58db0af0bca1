/**
 * Size caps for caller-supplied text on its way into a record that is kept (the audit log, the
 * gateway log). A caller decides how long a tool name, an rpc id, a client name or an error text
 * is; whatever it sends, a kept record stays small.
 */

/** Longest string kept whole; a longer one keeps this many characters and says how many it had. */
export const MAX_KEPT_STRING = 4096;
/** Most array items and object keys kept; most levels of nesting. */
export const MAX_KEPT_ITEMS = 200;
export const MAX_KEPT_DEPTH = 8;

/** `text` cut to `max` characters, saying how long it was (so a cut is never silent). */
export function cutText(text: string, max = MAX_KEPT_STRING): string {
  return text.length > max ? `${text.slice(0, max)}…(cut: ${text.length} characters)` : text;
}

const isPlain = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of `value` with every string cut (cutText), arrays and objects cut to MAX_KEPT_ITEMS
 * entries and nesting to MAX_KEPT_DEPTH levels. Work is bounded by what is kept, not by what was
 * sent. Objects of other classes (an Error, a Date) are left to their own serialisers.
 */
export function boundValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cutText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (depth >= MAX_KEPT_DEPTH) return `[nested deeper than ${MAX_KEPT_DEPTH} levels]`;
    const items = value.slice(0, MAX_KEPT_ITEMS).map((item) => boundValue(item, depth + 1));
    if (value.length > MAX_KEPT_ITEMS) items.push(`…(cut: ${value.length} items)`);
    return items;
  }
  if (!isPlain(value)) return value;
  if (depth >= MAX_KEPT_DEPTH) return `[nested deeper than ${MAX_KEPT_DEPTH} levels]`;
  const out: Record<string, unknown> = {};
  let kept = 0;
  let total = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    total++;
    if (kept >= MAX_KEPT_ITEMS) continue;
    kept++;
    out[cutText(key, 200)] = boundValue((value as Record<string, unknown>)[key], depth + 1);
  }
  if (total > kept) out['…'] = `cut: ${total} keys`;
  return out;
}

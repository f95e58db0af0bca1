/** Keys whose values are secrets wherever they appear in tool arguments. */
const SECRET_KEY =
  /(^|[_-])(pass(word|phrase)?|secret|token|api[_-]?key|auth[_-]?key|private[_-]?key|credentials?|authorization|cookie)$/i;
const MAX_STRING = 2000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 6;
export const REDACTED = '[redacted]';
/** `scheme://user:password@` inside any string: a URL argument (an HTTP probe, a git repository) may carry a password. */
// The lookbehind keeps the scan linear: without it every letter of a long run of letters started a
// scheme match that ran to the end of the run (quadratic; a 1 MiB argument took the event loop for minutes).
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;

/**
 * A copy of tool arguments fit for the audit log: secret-looking keys and the
 * tool's declared sensitive keys replaced, long strings and arrays cut.
 */
export function redactArgs(value: unknown, sensitive: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') {
    // Masked even when the tool then refuses the URL: the audit record is written before the handler runs.
    // Masked before the cut, so a password the cut would split is still masked whole.
    const text = value.replace(URL_PASSWORD, `$1:${REDACTED}@`);
    return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…(${text.length} chars)` : text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => redactArgs(v, sensitive, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`…(${value.length - MAX_ITEMS} more)`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) || sensitive.includes(key) ? REDACTED : redactArgs(child, sensitive, depth + 1);
  }
  return out;
}

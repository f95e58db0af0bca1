/**
 * Text a caller or the network chose, made safe to print on an operator's terminal. A tool name
 * or an argument can carry ESC sequences (clear the screen, move the cursor, set the window
 * title, fake a line of output), C1 controls (some terminals treat U+009B as ESC [), and bidi
 * overrides or invisible characters that make text read differently from what it is. Every such
 * character is shown as an escape (`\x1b`, `\u202e`), so what is printed is what was stored.
 */

// C0 and DEL, C1, soft hyphen, Arabic letter mark, zero-width and direction marks, line and
// paragraph separators, bidi embeddings/overrides/isolates, word joiner and invisible operators,
// BOM, interlinear annotation controls, and the Unicode tag characters.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Inside JSON text every C0 control is already escaped by JSON.stringify; the others above are
// not, and they can only stand inside a string, where a \u escape keeps the same value.
const UNSAFE_IN_JSON =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

function escapeOf(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  return [...char]
    .map((unit) => {
      const code = unit.codePointAt(0)!;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
    })
    .join('');
}

/**
 * One field for a human-readable line: every control, bidi and invisible character escaped.
 * `multiline` keeps line breaks (for a message of several lines, such as an error listing issues).
 */
export function terminalSafe(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(UNSAFE, (char) => (options.multiline && char === '\n' ? char : escapeOf(char)));
}

/** JSON text (from JSON.stringify) made terminal-safe; it stays valid JSON with the same value. */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => {
    let out = '';
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** A short field (a config value, a name) for a message: cut to `max` characters, then made terminal-safe. */
export function printable(text: string, max = 200): string {
  return terminalSafe(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Text from a config file, the environment or a request, made safe to print on a terminal or in a log line:
 * control characters (escape sequences, carriage returns, NULs) shown as \u{…} escapes, and cut to `max`
 * characters with an ellipsis, so a hostile or broken value can neither drive the terminal nor flood it.
 */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
}

/** What a masked value turns into: visibly a secret, with its length, never silently dropped. */
export function secretMark(value: string): string {
  return `[secret: ${value.length} chars]`;
}

const MARK = /^\[secret: \d+ chars\]$/;

/** True when a whole value is already a mask (so it is not masked twice). */
export function isSecretMark(value: string): boolean {
  return MARK.test(value);
}

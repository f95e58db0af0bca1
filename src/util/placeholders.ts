/**
 * Libraries and engines fill fields they do not know with placeholders: -1 for a
 * count or size (Docker's image list, systeminformation), Go's zero time
 * "0001-01-01T00:00:00Z" for "never" (Docker, Tailscale), "" for no text. Passed
 * through raw they read as real values ("-1 containers", "finished in year 1").
 * These turn them into null, which results leave out (absent: no value).
 */

/** A count, size or rate; null for a negative or non-finite placeholder. */
export function knownNumber(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** A point in time as ISO 8601 UTC; null for empty, unparsable, zero ("0001-01-01…") or epoch-0 times. */
export function knownTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms <= 0 ? null : new Date(ms).toISOString();
}

/** Text; null for an empty placeholder. */
export function knownText(value: string | null | undefined): string | null {
  return value ? value : null;
}

/** How long a test waits for something that should happen, at most: liveness only. */
export const LIVENESS_MS = 120_000;

/**
 * Poll until `check` holds. The deadline only bounds how long a test waits for an event
 * that is late on a loaded machine; it never measures speed (no timing assertion).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = LIVENESS_MS,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

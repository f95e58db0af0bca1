/**
 * Concurrent callers share one read in flight, and its result for `keepMs` after it started. For
 * systeminformation calls that fork: with every caller starting its own, 50 sessions meant a fork
 * storm (`ps`, then a shell running one `cat /proc/<pid>/stat` per process) and a queue behind it.
 * A failed read is not kept: the next caller tries again.
 */
export function sharedRead<T>(read: () => Promise<T>, keepMs: number): () => Promise<T> {
  let kept: { at: number; value: Promise<T>; settled: boolean } | undefined;
  return () => {
    if (kept && (!kept.settled || Date.now() - kept.at < keepMs)) return kept.value;
    const entry = { at: Date.now(), value: read(), settled: false };
    kept = entry;
    entry.value.then(
      () => {
        entry.settled = true;
      },
      () => {
        if (kept === entry) kept = undefined;
      },
    );
    return entry.value;
  };
}

/**
 * Longest name a "did you mean" hint is looked for. Names come from callers (a tool name in
 * tools/call, a host, a container): a 1,000,000-character tool name compared with every tool held
 * the event loop for 18 s. Past this length nothing is close to a real name anyway, so the cost is
 * bounded whatever the caller sends.
 */
export const MAX_SUGGEST_INPUT = 256;

/** Dice coefficient over character bigrams: cheap and good enough for typos. */
export function similarity(a: string, b: string): number {
  const grams = (s: string) => {
    const out = new Map<string, number>();
    for (let i = 0; i < s.length - 1; i++) out.set(s.slice(i, i + 2), (out.get(s.slice(i, i + 2)) ?? 0) + 1);
    return out;
  };
  const ga = grams(a.toLowerCase());
  const gb = grams(b.toLowerCase());
  let overlap = 0;
  for (const [g, n] of ga) overlap += Math.min(n, gb.get(g) ?? 0);
  const total = Math.max(a.length - 1, 0) + Math.max(b.length - 1, 0);
  return total === 0 ? 0 : (2 * overlap) / total;
}

/** Up to `limit` candidates close to `name`, best first — for "did you mean" hints. */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  if (name.length > MAX_SUGGEST_INPUT) return [];
  return [...candidates]
    .filter((candidate) => candidate.length <= MAX_SUGGEST_INPUT)
    .map((candidate) => ({ candidate, score: similarity(name, candidate) }))
    .filter((s) => s.score > 0.5)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((s) => s.candidate);
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closestNames(name, candidates);
  return close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : '';
}

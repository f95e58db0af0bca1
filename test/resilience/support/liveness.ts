/**
 * Polls a gateway's /health while hostile work runs, and remembers every poll that was not
 * answered within the deadline. A stalled event loop shows as exactly that: a liveness check, not
 * a speed measurement (the deadline is generous; bench/dos.ts measures how long the loop blocks).
 */
export interface LivenessProbe {
  /** Stop polling; resolves with the polls that missed the deadline (and how long each took). */
  stop(): Promise<{ polls: number; missed: string[]; slowestMs: number }>;
}

export function pollHealth(baseUrl: string, deadlineMs = 15_000): LivenessProbe {
  let running = true;
  let polls = 0;
  let slowestMs = 0;
  const missed: string[] = [];
  const loop = (async () => {
    while (running) {
      const began = performance.now();
      try {
        const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(deadlineMs) });
        await res.arrayBuffer();
        if (res.status !== 200) missed.push(`status ${res.status}`);
      } catch (error) {
        missed.push(`no answer within ${deadlineMs} ms (${(error as Error).name})`);
      }
      polls++;
      slowestMs = Math.max(slowestMs, performance.now() - began);
      // Not a timing assumption: only the pace of polling (an event, the answer, comes first).
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, missed, slowestMs: Math.round(slowestMs) };
    },
  };
}

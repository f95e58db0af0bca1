import type { ServerResponse } from 'node:http';

/**
 * The POST /mcp responses still open. A tool call's result travels on its
 * POST's response, so shutdown waits for these, not only for handlers to
 * return: otherwise a finished call's answer could be cut off by closing
 * its session.
 */
export class InflightResponses {
  private readonly open = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];

  track(res: ServerResponse): void {
    if (res.writableEnded || res.destroyed) return;
    this.open.add(res);
    res.once('close', () => {
      this.open.delete(res);
      if (this.open.size === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get size(): number {
    return this.open.size;
  }

  /** Resolves when none are open, or after `ms`, whichever comes first. */
  async drain(ms: number): Promise<void> {
    if (this.open.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long CPU work on the daemon's one thread, cut into slices. `await slice.pause()` in the work's
 * loop costs a clock read; once `ms` have passed since the last turn it yields to the event loop
 * (setImmediate, so pending I/O such as a /health request runs first). Awaiting a promise alone
 * does not do this: microtasks run before any I/O callback.
 */
export class TimeSlice {
  private readonly ms: number;
  private started = performance.now();

  constructor(ms = 10) {
    this.ms = ms;
  }

  async pause(): Promise<void> {
    if (performance.now() - this.started < this.ms) return;
    await nextTurn();
    this.started = performance.now();
  }
}

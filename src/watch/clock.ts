/**
 * Time as the watch feature sees it. The collector, the alert life cycle and the
 * delivery retries read `now()` and wait with `setTimeout` from here, so tests move
 * time forward instead of sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

export interface Timer {
  readonly id: unknown;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    return { id: setTimeout(fn, ms).unref() };
  },
  clearTimeout(timer) {
    clearTimeout(timer.id as NodeJS.Timeout);
  },
};

/** Run `fn` every `ms` on the clock until the returned stop function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let timer: Timer | undefined;
  let stopped = false;
  const schedule = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      schedule();
      fn();
    }, ms);
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clock.clearTimeout(timer);
  };
}

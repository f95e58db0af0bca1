/**
 * One abort signal per call: the client's cancellation, the gateway's shutdown,
 * or the tools.timeout deadline, whichever comes first. A plain controller with
 * listeners removed at the end of the call — AbortSignal.any() and
 * AbortSignal.timeout() cost far more per call and keep their signals alive
 * until garbage collection.
 */
export interface CallSignal {
  signal: AbortSignal;
  dispose(): void;
}

export function callSignal(parents: readonly AbortSignal[], timeoutMs: number): CallSignal {
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  const timer = setTimeout(
    () => controller.abort(new DOMException('The call exceeded tools.timeout.', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
    },
  };
}

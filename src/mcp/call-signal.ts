import { GatewayError } from '../errors.ts';

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

/** Settle with the work, or reject as soon as the signal aborts (the handler is told through the signal). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function abortError(signal: AbortSignal): GatewayError {
  const reason = signal.reason;
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new GatewayError('ERR_TIMEOUT', 'The tool did not finish within tools.timeout and was stopped.');
  }
  return new GatewayError('ERR_TIMEOUT', 'The call was cancelled by the client.');
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerKey } from './caller.ts';

export interface AuthFailureLimitOptions {
  /** Failed authentications one caller may have per window before it is locked out. */
  max: number;
  /** Trust `Tailscale-User-Login` from a loopback peer (auth.tailnet.behind_serve). */
  trustServeIdentity: boolean;
  windowMs?: number;
  /** Callers remembered at once; the least recently seen are forgotten first. */
  maxCallers?: number;
}

const WINDOW_MS = 60_000;
const MAX_CALLERS = 10_000;

/**
 * Failed sign-ins counted per caller (see callerKey), shared by every door that
 * checks a credential (/mcp, the approval page, /metrics).
 *
 * A lockout only slows down guessing. It never refuses a valid credential: the
 * credential is always checked first (locally; a locked-out caller cannot make the
 * gateway ask an identity provider about a token it has not seen), and only a
 * failure is answered with 429. So nobody's failures, not even a caller's own,
 * lock out a credential that works.
 *
 * Memory is bounded: counters live in @fastify/rate-limit's LRU store of
 * `maxCallers` entries, and a caller's key is short however long the credential.
 */
export class AuthFailureLimit {
  private readonly counter: ReturnType<FastifyInstance['createRateLimit']>;

  constructor(app: FastifyInstance, options: AuthFailureLimitOptions) {
    this.counter = app.createRateLimit({
      max: options.max,
      timeWindow: options.windowMs ?? WINDOW_MS,
      // The LRU size of this limiter's own store (honoured at run time, missing from the types).
      cache: options.maxCallers ?? MAX_CALLERS,
      keyGenerator: (request: FastifyRequest) => callerKey(request, options.trustServeIdentity),
    } as Parameters<FastifyInstance['createRateLimit']>[0]);
  }

  /** Seconds this caller stays locked out (0: not locked out). */
  async lockedFor(request: FastifyRequest): Promise<number> {
    const state = await this.counter(request, { increment: false });
    return !state.isAllowed && state.remaining === 0 ? Math.max(1, state.ttlInSeconds) : 0;
  }

  /** Count one failure; returns the seconds the caller is now locked out (0: still under the limit). */
  async fail(request: FastifyRequest): Promise<number> {
    const state = await this.counter(request);
    return !state.isAllowed && state.isExceeded ? Math.max(1, state.ttlInSeconds) : 0;
  }
}

/** The sentence a locked-out caller reads. */
export function lockoutMessage(seconds: number): string {
  return `Too many failed sign-ins from you; retry in ${seconds}s. A valid credential is still accepted meanwhile.`;
}

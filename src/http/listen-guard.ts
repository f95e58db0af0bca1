import type { Principal } from '../auth/principal.ts';

export interface ListenLimits {
  /** Open `subscriptions/listen` streams one principal may hold. */
  perPrincipal: number;
  /** Resource URIs one stream may watch. */
  maxResources: number;
}

export interface ListenRefusal {
  code: number;
  message: string;
}

/**
 * Bounds `subscriptions/listen` per caller: how many streams a principal holds
 * open at once, how many resources one stream watches, and that a stream
 * watches only resources the caller may read (so an update never tells a
 * caller about a resource they cannot see). Streams are counted until their
 * HTTP response closes.
 */
export class ListenGuard {
  private readonly open = new Map<string, number>();
  private readonly limits: ListenLimits;
  private readonly canRead: (principal: Principal, uri: string) => boolean;

  constructor(limits: ListenLimits, canRead: (principal: Principal, uri: string) => boolean) {
    this.limits = limits;
    this.canRead = canRead;
  }

  /** Why this listen request is refused, or undefined when it may open. */
  check(principal: Principal, params: unknown): ListenRefusal | undefined {
    if ((this.open.get(principal.id) ?? 0) >= this.limits.perPrincipal) {
      return {
        code: -32603,
        message: `You have ${this.limits.perPrincipal} subscriptions/listen streams open (http.max_listen_per_principal); close one before opening another.`,
      };
    }
    const uris = (params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)
      ?.notifications?.resourceSubscriptions;
    if (!Array.isArray(uris)) return undefined;
    if (uris.length > this.limits.maxResources) {
      return {
        code: -32602,
        message: `A stream may watch at most ${this.limits.maxResources} resources; this one asked for ${uris.length}.`,
      };
    }
    const unknown = uris.find((uri) => typeof uri !== 'string' || !this.canRead(principal, uri));
    if (unknown !== undefined) {
      return {
        code: -32602,
        message: `Unknown resource "${String(unknown).slice(0, 200)}". Call resources/list for the resources you may watch.`,
      };
    }
    return undefined;
  }

  /** Count an open stream; the returned function uncounts it (once). */
  opened(principal: Principal): () => void {
    this.open.set(principal.id, (this.open.get(principal.id) ?? 0) + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.open.get(principal.id) ?? 1) - 1;
      if (left > 0) this.open.set(principal.id, left);
      else this.open.delete(principal.id);
    };
  }

  get streams(): number {
    let total = 0;
    for (const n of this.open.values()) total += n;
    return total;
  }
}

import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { Server } from '@modelcontextprotocol/server';
import type { Logger } from '../log.ts';

export interface Session {
  readonly id: string;
  readonly principalId: string;
  readonly transport: NodeStreamableHTTPServerTransport;
  readonly server: Server;
  readonly createdAt: number;
  lastSeenAt: number;
  /** JSON-RPC ids of this session's requests still being answered (the SDK routes answers by id). */
  readonly inflightIds: Set<string>;
}

export interface SessionLimits {
  max: number;
  maxPerPrincipal: number;
  idleMs: number;
}

/**
 * Open 2025-era MCP sessions. A session belongs to the principal that opened it, is
 * closed after `idleMs` without a request, and the total (and per principal)
 * is capped; `reserve` counts sessions still initialising so bursts cannot
 * overshoot the cap.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly perPrincipal = new Map<string, number>();
  private reserved = 0;
  private readonly sweeper: NodeJS.Timeout;

  private readonly limits: SessionLimits;
  private readonly log: Logger;

  constructor(limits: SessionLimits, log: Logger) {
    this.limits = limits;
    this.log = log;

    const every = Math.max(1000, Math.min(60_000, Math.floor(limits.idleMs / 2)));
    this.sweeper = setInterval(() => void this.sweep(), every).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Why a new session for this principal cannot open now, or undefined when it can. */
  refusal(principalId: string): string | undefined {
    if (this.sessions.size + this.reserved >= this.limits.max) {
      return `The gateway has ${this.limits.max} open sessions (http.max_sessions); close unused clients or retry later.`;
    }
    if ((this.perPrincipal.get(principalId) ?? 0) >= this.limits.maxPerPrincipal) {
      return `You have ${this.limits.maxPerPrincipal} open sessions (http.max_sessions_per_principal); close unused ones (DELETE /mcp) or wait for them to expire.`;
    }
    return undefined;
  }

  reserve(): () => void {
    this.reserved += 1;
    let released = false;
    return () => {
      if (!released) this.reserved -= 1;
      released = true;
    };
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
    this.perPrincipal.set(session.principalId, (this.perPrincipal.get(session.principalId) ?? 0) + 1);
  }

  remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    const left = (this.perPrincipal.get(session.principalId) ?? 1) - 1;
    if (left > 0) this.perPrincipal.set(session.principalId, left);
    else this.perPrincipal.delete(session.principalId);
  }

  async sweep(now = Date.now()): Promise<void> {
    const idle = [...this.sessions.values()].filter((s) => now - s.lastSeenAt > this.limits.idleMs);
    for (const session of idle) {
      this.log.info({ session_id: session.id, principal: session.principalId }, 'closing idle MCP session');
      await this.close(session);
    }
  }

  private async close(session: Session): Promise<void> {
    this.remove(session.id);
    await session.server.close().catch((err) => this.log.warn({ err }, 'error closing MCP session'));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }
}

import type { ServerResponse } from 'node:http';
import type { Gateway } from '../../gateway.ts';

/** What changed: the page refreshes the view that shows it (never more than one refresh at a time). */
export type Topic = 'watch' | 'alerts' | 'approvals';

interface Stream {
  raw: ServerResponse;
  principalId: string;
  timer: NodeJS.Timeout;
}

export interface LiveLimits {
  maxStreams: number;
  maxPerPrincipal: number;
  lifetimeMs: number;
  /** New history is announced at most this often (each refresh is audited tool calls). */
  watchEveryMs: number;
}

/** A stream whose client reads slower than this is closed (the browser reconnects and reloads). */
const MAX_BUFFERED = 64 * 1024;
const HEARTBEAT_MS = 25_000;
const APPROVALS_CHECK_MS = 2_000;

/**
 * Live updates for open dashboards (Server-Sent Events). A stream carries only small "this
 * changed" notices, never data: the page then asks for its current view through the same
 * calls as any refresh, so what it shows is still checked against the person's permissions.
 * Memory stays bounded: a fixed number of streams, nothing queued per stream beyond the
 * socket's own buffer (a slow reader is dropped), and every stream ends after `lifetimeMs`
 * so the browser reconnects and is authenticated again. The sources (the watch collector,
 * alert changes, approval requests) are listened to only while at least one stream is open.
 */
export class LiveHub {
  private readonly streams = new Set<Stream>();
  private readonly gateway: Gateway;
  private readonly limits: LiveLimits;
  private stopSources: (() => void) | undefined;

  constructor(gateway: Gateway, limits: LiveLimits) {
    this.gateway = gateway;
    this.limits = limits;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Why a new stream for this principal is refused, or undefined when it may open. */
  refusal(principalId: string): string | undefined {
    if (this.streams.size >= this.limits.maxStreams)
      return `The gateway already serves ${this.limits.maxStreams} live dashboards (dashboard.max_streams); close one or raise the limit.`;
    const mine = [...this.streams].filter((s) => s.principalId === principalId).length;
    if (mine >= this.limits.maxPerPrincipal)
      return `You already have ${mine} live dashboards open (dashboard.max_streams_per_principal); close a tab.`;
    return undefined;
  }

  open(raw: ServerResponse, principalId: string): void {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // The browser waits this long before reconnecting after the stream ends.
    raw.write('retry: 3000\n\n');
    const stream: Stream = {
      raw,
      principalId,
      timer: setTimeout(() => this.close(stream), this.limits.lifetimeMs),
    };
    this.streams.add(stream);
    raw.on('close', () => this.close(stream));
    if (!this.stopSources) this.stopSources = this.listen();
    this.send(stream, 'hello', {});
  }

  /** Tell every open page that something changed. */
  announce(topic: Topic): void {
    for (const stream of this.streams) this.send(stream, 'change', { topic });
  }

  closeAll(): void {
    for (const stream of this.streams) this.close(stream);
  }

  private send(stream: Stream, event: string, data: Record<string, unknown>): void {
    if (stream.raw.writableLength > MAX_BUFFERED) {
      this.close(stream);
      return;
    }
    stream.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private close(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    clearTimeout(stream.timer);
    stream.raw.end();
    if (this.streams.size === 0) {
      this.stopSources?.();
      this.stopSources = undefined;
    }
  }

  /** Listen to what changes on its own; returns how to stop. */
  private listen(): () => void {
    let lastWatch = Number.NEGATIVE_INFINITY;
    const stopWatch = this.gateway.catalog.watchSelfChanging((uri) => {
      if (uri.includes('alert')) return this.announce('alerts');
      const now = Date.now();
      if (now - lastWatch < this.limits.watchEveryMs) return;
      lastWatch = now;
      this.announce('watch');
    });
    const store = this.gateway.approvals.store;
    const fingerprint = () =>
      store
        .list(['pending', 'approved', 'denied', 'used'], 20)
        .map((r) => `${r.id}:${r.state}`)
        .join(',');
    let last = fingerprint();
    const approvals = setInterval(() => {
      const now = fingerprint();
      if (now !== last) this.announce('approvals');
      last = now;
    }, APPROVALS_CHECK_MS);
    const heartbeat = setInterval(() => {
      for (const stream of this.streams) {
        if (stream.raw.writableLength > MAX_BUFFERED) this.close(stream);
        else stream.raw.write(': keep-alive\n\n');
      }
    }, HEARTBEAT_MS);
    approvals.unref();
    heartbeat.unref();
    return () => {
      stopWatch();
      clearInterval(approvals);
      clearInterval(heartbeat);
    };
  }
}

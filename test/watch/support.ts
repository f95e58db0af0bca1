import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ToolModule } from '../../src/modules/types.ts';
import type { Clock, Timer } from '../../src/watch/clock.ts';
import { createWatchModule } from '../../src/watch/index.ts';
import type { WatchRuntime } from '../../src/watch/runtime.ts';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.ts';

/** A clock tests move by hand: timers fire, in order, as `advance` passes their time. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { at: number; fn: () => void; timer: Timer }[] = [];

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { id: ++this.seq };
    this.timers.push({ at: this.t + Math.max(0, ms), fn, timer });
    return timer;
  }

  clearTimeout(timer: Timer): void {
    this.timers = this.timers.filter((t) => t.timer !== timer);
  }

  /** Move time forward at once: each timer due by then fires once, as after a suspend. */
  jump(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((t) => t.at <= this.t);
    this.timers = this.timers.filter((t) => t.at > this.t);
    for (const t of due) t.fn();
  }

  /** Move time forward, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

export interface WatchHarness {
  gw: TestGateway;
  clock: ManualClock;
  watch: WatchRuntime;
  client: Client;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  ok(name: string, args?: Record<string, unknown>): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  call(name: string, args?: Record<string, unknown>): Promise<any>;
  /** Move the clock one collection interval (or `ms`) and wait for that collection to finish. */
  collect(ms?: number): Promise<void>;
  /** Jump the clock (one collection after it, not one per interval) and wait for it. */
  jump(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWatchHarness(
  options: TestGatewayOptions & { modules?: readonly ToolModule[]; role?: string; clock?: ManualClock } = {},
): Promise<WatchHarness> {
  const clock = options.clock ?? new ManualClock();
  const gw = await startTestGateway({
    ...options,
    modules: [...(options.modules ?? []), createWatchModule({ clock }) as ToolModule],
  });
  const watch = (gw.gateway.runtimes.get('watch')!.context as { watch: WatchRuntime }).watch;
  await watch.collector.settled();
  const client = await gw.client(await gw.token({ role: options.role ?? 'admin' }));
  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args });
  return {
    gw,
    clock,
    watch,
    client,
    call,
    async ok(name, args) {
      // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
      const result = (await call(name, args)) as any;
      if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
      return result.structuredContent;
    },
    async collect(ms) {
      clock.advance(ms ?? watch.config.interval);
      await watch.collector.settled();
    },
    async jump(ms) {
      clock.jump(ms);
      await watch.collector.settled();
    },
    close: () => gw.close(),
  };
}

/** Collect until the check holds (a liveness bound, not a timing assertion). */
export async function collectUntil(
  h: WatchHarness,
  check: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 150_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    await h.collect();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { AlertEngine } from '../../src/watch/alerts/engine.ts';
import { AlertStore } from '../../src/watch/alerts/store.ts';
import { Notifier } from '../../src/watch/notify/deliver.ts';
import { retentionOf } from '../../src/watch/runtime.ts';
import { Snapshot } from '../../src/watch/snapshot.ts';
import { HistoryStore } from '../../src/watch/store.ts';
import { Receiver } from './receiver.ts';
import { ManualClock } from './support.ts';

const log = createLogger({ level: 'silent' });
const INTERVAL = 15_000;

/**
 * The alert life cycle and its deliveries: real SQLite, real HTTP receivers (a webhook, an
 * ntfy topic, a Gotify server), time moved by hand. The metric is set directly so it can
 * flap exactly as the test needs.
 */
describe('watch: alert life cycle and notifications', () => {
  const receiver = new Receiver();
  let dir: string;
  let clock: ManualClock;
  let store: HistoryStore;
  let snapshot: Snapshot;
  let alerts: AlertStore;
  let engine: AlertEngine;
  let notifier: Notifier;

  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(() => receiver.close());

  function open(watch: Record<string, unknown> = {}) {
    const config = configFrom(
      {
        state_dir: dir,
        watch: {
          default_rules: false,
          rules: [
            {
              name: 'cpu-hot',
              kind: 'threshold',
              series: 'host.cpu.percent',
              above: 90,
              clear: 70,
              for: '1m',
            },
          ],
          notify: {
            webhooks: [`${receiver.url}/hook`],
            ntfy: `${receiver.url}/alerts`,
            gotify: receiver.url,
            backoff: '10s',
            attempts: 3,
            ...((watch.notify as object) ?? {}),
          },
          ...watch,
        },
      },
      {
        TAILWARDEN_WATCH_NOTIFY_GOTIFY_TOKEN: receiver.gotifyKey,
        TAILWARDEN_WATCH_NOTIFY_NTFY_TOKEN: 'ntfy-secret',
      },
    ).watch;
    store = new HistoryStore(dir, { maxSeries: 100, maxBufferedSamples: 1000 }, log);
    snapshot = new Snapshot();
    alerts = new AlertStore(store.db);
    engine = new AlertEngine({
      alerts,
      history: store,
      snapshot,
      config,
      retention: retentionOf(config),
      log,
    });
    notifier = new Notifier({ config: config.notify, alerts, clock, log });
    engine.onChange((change) => notifier.notify(change));
  }

  /** One collection: the metric at `value`, then the rules. */
  function tick(value: number) {
    clock.advance(INTERVAL);
    snapshot.set('host.cpu.percent', {}, value, clock.now());
    engine.evaluate(clock.now(), INTERVAL);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-watch-'));
    clock = new ManualClock();
    receiver.received.length = 0;
    receiver.failNext = 0;
    open();
  });
  afterEach(async () => {
    await notifier.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires only after the condition held for its duration, once per channel, and resolves after clearing', async () => {
    tick(95);
    tick(95);
    tick(95);
    tick(95);
    expect(alerts.open()).toHaveLength(0); // 45 s of 60
    tick(95);
    expect(alerts.open()).toHaveLength(1);
    const [hook] = await receiver.waitFor('/hook', 1);
    const payload = JSON.parse(hook!.body.toString());
    expect(payload).toMatchObject({
      type: 'alert.firing',
      rule: 'cpu-hot',
      severity: 'warning',
      status: 'firing',
    });
    const [ntfy] = await receiver.waitFor('/alerts', 1);
    expect(ntfy!.headers.title).toMatch(/^\[FIRING\] cpu-hot on /);
    expect(ntfy!.headers.authorization).toBe('Bearer ntfy-secret');
    expect(ntfy!.body.toString()).toContain('host.cpu.percent is 95');
    const [gotify] = await receiver.waitFor('/message', 1);
    expect(JSON.parse(gotify!.body.toString())).toMatchObject({
      priority: 5,
      title: expect.stringContaining('cpu-hot'),
    });
    // Back under the clear level: resolves after it stays there for the rule's duration.
    for (let i = 0; i < 5; i++) tick(40);
    expect(alerts.open()).toHaveLength(0);
    await receiver.waitFor('/hook', 2);
    expect(JSON.parse(receiver.ok('/hook')[1]!.body.toString()).type).toBe('alert.resolved');
  });

  it('sends one message per state change while the metric flaps, never a storm', async () => {
    for (let i = 0; i < 5; i++) tick(95);
    // Flapping: above the threshold, then inside the hysteresis band, then below clear — for 30 minutes.
    for (let i = 0; i < 120; i++) tick([95, 80, 50][i % 3]!);
    await notifier.idle();
    expect(alerts.open()).toHaveLength(1);
    expect(receiver.ok('/hook').map((r) => JSON.parse(r.body.toString()).type)).toEqual(['alert.firing']);
    expect(receiver.ok('/alerts')).toHaveLength(1);
    // It settles: one more message, the resolution.
    for (let i = 0; i < 6; i++) tick(30);
    await receiver.waitFor('/hook', 2);
    await notifier.idle();
    expect(receiver.ok('/hook').map((r) => JSON.parse(r.body.toString()).type)).toEqual([
      'alert.firing',
      'alert.resolved',
    ]);
  });

  it('retries a failed delivery with backoff and records each outcome', async () => {
    receiver.failNext = 2; // the first two requests (of three channels) fail
    for (let i = 0; i < 5; i++) tick(95);
    await notifier.idle();
    const alert = alerts.open()[0]!;
    const before = alerts.deliveries(alert.id);
    expect(before.filter((d) => d.status === 'retrying')).toHaveLength(2);
    clock.advance(10_000); // the first backoff
    await notifier.idle();
    const after = alerts.deliveries(alert.id);
    expect(after.every((d) => d.status === 'sent')).toBe(true);
    expect(after.filter((d) => d.attempts === 2)).toHaveLength(2);
    expect(after.map((d) => d.channel).sort()).toEqual(['gotify', 'ntfy', 'webhook']);
  });

  it('gives up after the last attempt and records why', async () => {
    receiver.failNext = 1000;
    for (let i = 0; i < 5; i++) tick(95);
    await notifier.idle();
    clock.advance(10_000);
    await notifier.idle();
    clock.advance(20_000);
    await notifier.idle();
    const deliveries = alerts.deliveries(alerts.open()[0]!.id);
    expect(deliveries.every((d) => d.status === 'failed' && d.attempts === 3 && d.error === 'HTTP 503')).toBe(
      true,
    );
    receiver.failNext = 0;
  });

  it('records acknowledgement by whom, sends it once, and refuses a second one', async () => {
    for (let i = 0; i < 5; i++) tick(95);
    const alert = alerts.open()[0]!;
    engine.acknowledge(alert.id, 'alice (token:tok_1)', 'looking', clock.now());
    expect(alerts.get(alert.id)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'alice (token:tok_1)',
    });
    expect(() => engine.acknowledge(alert.id, 'bob', null, clock.now())).toThrow(
      /already acknowledged by alice/,
    );
    const hooks = await receiver.waitFor('/hook', 2);
    expect(JSON.parse(hooks[1]!.body.toString())).toMatchObject({
      type: 'alert.acknowledged',
      acknowledged_by: 'alice (token:tok_1)',
    });
    // Still tracked: it resolves when the value clears.
    for (let i = 0; i < 5; i++) tick(10);
    expect(alerts.get(alert.id)?.status).toBe('resolved');
  });

  it('suppresses messages of silenced alerts until the silence ends', async () => {
    engine.addSilence(
      { rule: 'cpu-*', match: {}, endsAt: clock.now() + 3_600_000, by: 'alice', reason: 'maintenance' },
      clock.now(),
    );
    for (let i = 0; i < 5; i++) tick(95);
    await notifier.idle();
    const alert = alerts.open()[0]!;
    expect(receiver.received).toHaveLength(0);
    expect(alerts.deliveries(alert.id)).toMatchObject([{ status: 'suppressed', error: 'silenced' }]);
    clock.advance(3_600_000);
    for (let i = 0; i < 5; i++) tick(10);
    await receiver.waitFor('/hook', 1);
    expect(JSON.parse(receiver.ok('/hook')[0]!.body.toString()).type).toBe('alert.resolved');
  });

  it('keeps to the hourly budget across many alerts', async () => {
    await notifier.close();
    store.close();
    open({
      rules: [{ name: 'disk-full', kind: 'threshold', series: 'host.disk.used_percent', above: 90, for: 0 }],
      notify: { max_per_hour: 3, webhooks: [`${receiver.url}/hook`], ntfy: undefined, gotify: undefined },
    });
    clock.advance(INTERVAL);
    for (let i = 0; i < 20; i++) snapshot.set('host.disk.used_percent', { mount: `/m${i}` }, 99, clock.now());
    engine.evaluate(clock.now(), INTERVAL);
    await notifier.idle();
    expect(alerts.open()).toHaveLength(20);
    expect(receiver.ok('/hook')).toHaveLength(3);
  });

  it('escapes nothing it should not and masks secrets in labels it sends', async () => {
    await notifier.close();
    store.close();
    open({
      rules: [{ name: 'disk-full', kind: 'threshold', series: 'host.disk.used_percent', above: 90, for: 0 }],
    });
    clock.advance(INTERVAL);
    snapshot.set(
      'host.disk.used_percent',
      { mount: '/mnt/x\r\nX-Injected: 1 https://u:hunter2@h/ ✓' },
      99,
      clock.now(),
    );
    engine.evaluate(clock.now(), INTERVAL);
    const [ntfy] = await receiver.waitFor('/alerts', 1);
    expect(ntfy!.headers['x-injected']).toBeUndefined();
    expect(String(ntfy!.headers.title)).toMatch(/^=\?UTF-8\?B\?/); // non-ASCII title, encoded
    expect(Buffer.from(String(ntfy!.headers.title).slice(10, -2), 'base64').toString()).not.toContain(
      'hunter2',
    );
    const [hook] = await receiver.waitFor('/hook', 1);
    expect(hook!.body.toString()).not.toContain('hunter2');
  });

  it('keeps open alerts across a restart and resolves them afterwards', async () => {
    for (let i = 0; i < 5; i++) tick(95);
    const id = alerts.open()[0]!.id;
    await notifier.close();
    store.close();
    open();
    expect(alerts.open().map((a) => a.id)).toEqual([id]);
    tick(95);
    expect(alerts.open()).toHaveLength(1); // deduplicated: the same alert, not a new one
    for (let i = 0; i < 5; i++) tick(10);
    expect(alerts.get(id)?.status).toBe('resolved');
  });
});

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import { tailscaleModule } from '../../src/modules/tailscale/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { callWaiting, pendingFor } from '../approvals/helpers.ts';
import { cleanup, runContainer, testPrefix } from '../docker/support.ts';
import { FAKE_API_KEY, type FakeAdminApi, startFakeAdminApi } from '../fakes/tailscale-admin.ts';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';
import { testModule } from '../support/test-module.ts';
import { collectUntil, startWatchHarness, type WatchHarness } from '../watch/support.ts';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/dashboard');
// Liveness bounds, not timing assertions: the machine is shared and loaded.
const DEADLINE = 60_000;

/**
 * The dashboard in headless Chromium against a gateway with real history: the watch collector
 * reads this host and the real Docker engine (a test container burns CPU), time moved by hand.
 * Every view is opened, its figures compared with the tools' answers, an alert acknowledged and
 * a request approved; a viewer sees and does only what a viewer may.
 */
describe('the web dashboard in headless Chromium', { timeout: 300_000 }, () => {
  const prefix = testPrefix('dash');
  let h: WatchHarness;
  let tailscaled: FakeTailscaled;
  let adminApi: FakeAdminApi;
  let browser: BrowserContext;
  let profile: string;
  let alice: string;
  let vera: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    tailscaled = await startFakeTailscaled();
    adminApi = await startFakeAdminApi();
    await runContainer(prefix, 'burner', { Cmd: ['sh', '-c', 'while :; do :; done'] });
    h = await startWatchHarness({
      modules: [systemModule, dockerModule, tailscaleModule, testModule] as ToolModule[],
      config: {
        policy: { approval_wait: '60s' },
        modules: {
          tailscale: {
            enabled: true,
            socket: tailscaled.socketPath,
            api_url: adminApi.url,
            api_key: FAKE_API_KEY,
          },
        },
        watch: {
          units_interval: '1h',
          updates_interval: '30d',
          tailscale_interval: '15s',
          rules: [
            {
              name: 'memory-in-use',
              kind: 'threshold',
              series: 'host.memory.used_percent',
              above: 0.01,
              clear: 0,
              for: '15s',
            },
          ],
        },
      },
    });
    alice = await h.gw.token({ role: 'admin', name: 'alice' });
    vera = await h.gw.token({ role: 'viewer', name: 'vera' });
    await collectUntil(
      h,
      async () => {
        const [open, cpu] = await Promise.all([
          h.ok('watch_alerts_list'),
          h.ok('watch_history', {
            series: 'docker.container.cpu.percent',
            match: { container: `${prefix}-burner` },
            from: '1h',
          }),
        ]);
        return (
          open.alerts.some((a: { rule: string }) => a.rule === 'memory-in-use') &&
          cpu.results.length > 0 &&
          cpu.results[0].points.length >= 2
        );
      },
      'history of the burner and the memory-in-use alert',
    );
    profile = mkdtempSync(join(tmpdir(), 'tw-test-dashboard-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1100, height: 900 },
    });
    browser.setDefaultTimeout(DEADLINE);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await tailscaled?.close();
    await adminApi?.close();
    await cleanup(prefix);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function signIn(page: Page, token: string) {
    await page.goto(`${h.gw.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui');
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-drawn="overview"]');
  }

  async function open(page: Page, view: string) {
    await page.click(`#nav a[data-view="${view}"]`);
    await page.waitForSelector(`body[data-drawn="${view}"]`);
    await page.screenshot({ path: join(ARTIFACTS, `${view}.png`), fullPage: true });
  }

  it('an admin signs in and every view shows what the tools answer', async () => {
    const page = await browser.newPage();
    await signIn(page, alice);
    const nav = await page.locator('#nav a').allTextContents();
    expect(nav).toEqual([
      'Overview',
      'Charts',
      'Containers',
      'Services',
      'Devices',
      'Alerts',
      'Approvals',
      'Audit',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    const status = await h.ok('system_status');
    expect(await page.locator('.host-name').textContent()).toBe(status.hostname);
    expect(await page.locator('.tiles').textContent()).toContain('alerts firing');
    // The live stream is open (the page says so once the server greets it).
    await page.waitForSelector('#live:text("live")');

    await open(page, 'charts');
    const cpu = await h.ok('watch_history', { series: 'host.cpu.percent', from: '1h' });
    expect(await page.locator('.chart-title').textContent()).toBe(`host.cpu.percent (${cpu.unit})`);
    expect(await page.locator('.plot canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('.plot').getAttribute('aria-label')).toContain('average');
    expect(await page.locator('table.points tbody tr').count()).toBe(cpu.results[0].points.length);
    await page.click('button[data-range="24h"]');
    await page.waitForSelector('button[data-range="24h"][aria-pressed="true"]');

    await open(page, 'containers');
    const list = await h.ok('docker_container_list', { all: true });
    const burner = list.containers.find((c: { name: string }) => c.name === `${prefix}-burner`);
    const row = page.locator('table.containers tr', { hasText: `${prefix}-burner` });
    expect(await row.textContent()).toContain(burner.state);
    expect(await row.locator('svg.spark').first().getAttribute('aria-label')).toMatch(/latest/);
    expect(await page.locator('table.containers caption').textContent()).toBe(`${list.count} containers`);

    await open(page, 'services');
    // No systemd in this container: the view shows the tool's own error, word for word.
    const services = await h.call('system_services_list', { type: 'service' });
    if (services.isError)
      expect(await page.locator('[role=alert]').textContent()).toBe(services.content[0].text);
    else
      expect(await page.locator('table.services caption').textContent()).toBe(
        `${services.structuredContent.count} services`,
      );

    await open(page, 'devices');
    const devices = await h.ok('tailscale_devices_list');
    expect(await page.locator('table.devices caption').textContent()).toBe(`${devices.matched} devices`);
    for (const d of devices.devices)
      expect(await page.locator('table.devices').textContent()).toContain(d.name);

    await open(page, 'alerts');
    const firing = (await h.ok('watch_alerts_list')).alerts.find(
      (a: { rule: string }) => a.rule === 'memory-in-use',
    );
    const item = page.locator(`li.alert[data-alert-id="${firing.id}"]`);
    await item.locator('button.ack').click();
    await page.waitForSelector(`li.alert.acknowledged[data-alert-id="${firing.id}"]`);
    const acked = (await h.ok('watch_alert_get', { alert_id: firing.id })).alert;
    expect(acked.status).toBe('acknowledged');
    expect(acked.acknowledged_by).toMatch(/^alice/);
    await page.screenshot({ path: join(ARTIFACTS, 'alerts-acknowledged.png'), fullPage: true });

    // A request made over MCP appears live on the open approvals view and is approved there.
    await open(page, 'approvals');
    const bob = await h.gw.client(await h.gw.token({ role: 'admin', name: 'bob' }));
    const call = callWaiting(bob, 'test_thing_wipe', { name: 'nas' });
    const pending = await pendingFor(h.gw, 'test_thing_wipe');
    const card = page.locator(`#approval-${pending.id}`);
    await card.waitFor();
    expect(await card.locator('pre.args').textContent()).toContain('"name": "nas"');
    await page.screenshot({ path: join(ARTIFACTS, 'approvals-pending.png'), fullPage: true });
    await card.locator('button.approve').click();
    const result = await call.result;
    expect(result.isError).toBeFalsy();
    expect(h.gw.gateway.approvals.store.get(pending.id)?.decidedByName).toBe('alice');

    await open(page, 'audit');
    expect(await page.locator('p.chain .badge').textContent()).toBe('chain intact');
    await page.fill('#q-tool', 'watch_alert_acknowledge');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector('table.audit tbody tr:has-text("watch_alert_acknowledge")');
    expect(await page.locator('table.audit tbody').textContent()).toContain('alice');
    await page.screenshot({ path: join(ARTIFACTS, 'audit.png'), fullPage: true });

    // Keyboard: the menu is reachable and works with Tab and Enter.
    await page.keyboard.press('Tab');
    await page.locator('#nav a[data-view="overview"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-drawn="overview"]');
    await page.close();
  });

  it('a viewer sees the views a viewer may, and cannot acknowledge, approve or call other tools', async () => {
    const context = await chromium.launchPersistentContext(
      mkdtempSync(join(tmpdir(), 'tw-test-dashboard-viewer-')),
      { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS },
    );
    context.setDefaultTimeout(DEADLINE);
    try {
      const page = await context.newPage();
      await signIn(page, vera);
      const nav = await page.locator('#nav a').allTextContents();
      expect(nav).not.toContain('Approvals');
      expect(nav).toContain('Alerts');
      await open(page, 'alerts');
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-alerts.png'), fullPage: true });
      expect(await page.locator('li.alert').count()).toBeGreaterThan(0);
      expect(await page.locator('button.ack, button.silence').count()).toBe(0);
      // Asking the server directly (as a forged page would) is refused by the same checks as a tool call.
      // Runs in the page (a string, so the test's types need no DOM library).
      const answers = (await page.evaluate(`(async () => {
        const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
        const post = (url, body, token = csrf) =>
          fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(body) })
            .then(async (r) => ({ status: r.status, body: await r.json() }));
        return {
          ack: await post('/ui/api/call/watch_silence_create', { rule: '*', until: 'in 1h', reason: 'x' }),
          other: await post('/ui/api/call/test_thing_wipe', { name: 'nas' }),
          noCsrf: await post('/ui/api/call/system_status', {}, 'guess'),
          approvals: await fetch('/ui/api/approvals').then((r) => r.status),
          decide: await post('/ui/api/approvals/whatever', { decision: 'approve' }),
        };
      })()`)) as Record<
        'ack' | 'other' | 'noCsrf' | 'decide',
        { status: number; body: { error: { message: string } } }
      > & {
        approvals: number;
      };
      expect(answers.ack.status).toBe(422);
      expect(answers.ack.body.error.message).toContain('ERR_PERMISSION_DENIED');
      expect(answers.other.status).toBe(404);
      expect(answers.noCsrf.status).toBe(403);
      expect(answers.approvals).toBe(403);
      expect(answers.decide.status).toBe(403);
      const denied = (await h.gw.auditRecords()).find(
        (r) => r.tool === 'watch_silence_create' && r.decision === 'denied',
      );
      expect(denied?.client).toMatchObject({ name: 'tailwarden-dashboard' });
    } finally {
      await context.close();
    }
  });

  it('without a sign-in nothing is shown or answered', async () => {
    const page = await browser.newPage();
    await browser.clearCookies();
    await page.goto(`${h.gw.url}/ui/alerts`);
    expect(await page.locator('#token').count()).toBe(1);
    for (const path of ['/ui/api/me', '/ui/api/audit', '/ui/events'])
      expect((await fetch(`${h.gw.url}${path}`)).status).toBe(401);
    await page.close();
  });
});

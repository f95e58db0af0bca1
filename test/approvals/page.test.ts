import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { Authenticator } from '../../src/auth/authenticator.ts';
import { accepted, NOT_MINE, type Verifier } from '../../src/auth/verifier.ts';
import { auditPath } from '../../src/gateway.ts';
import { expandPermissions } from '../../src/policy/permissions.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { callWaiting, pendingFor, textOf } from './helpers.ts';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the approval page in headless Chromium', () => {
  let gw: TestGateway;
  let browser: BrowserContext;
  let profile: string;
  let alice: string;
  let carol: string;
  let attacker: Server;
  let attackerUrl: string;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '60s' } } });
    alice = await gw.token({ role: 'admin', name: 'alice' });
    carol = await gw.token({ permissions: ['approvals:grant'], name: 'carol' });
    profile = mkdtempSync(join(tmpdir(), 'tw-test-approvals-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 120_000, // liveness only, as below: Chromium is slow to start and act at load 20
    });
    browser.setDefaultTimeout(120_000);
    // Another site (localhost vs 127.0.0.1) that tries to submit the decision form on the victim's behalf.
    attacker = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://x').searchParams.get('target') ?? '';
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form id="f" method="post" action="${target}">
        <input name="decision" value="approve"><input name="csrf" value="guess"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const address = attacker.address();
    attackerUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await gw?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('an approver signs in, sees the request in full, approves it, and the waiting call completes', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'nas' });
    const pending = await pendingFor(gw, 'test_thing_wipe');

    const page = await browser.newPage();
    await page.goto(`${gw.url}/approvals`);
    await page.fill('#token', carol);
    await page.click('button[type=submit]');
    const card = page.locator(`section#${pending.id}`);
    await card.waitFor();
    expect(await card.textContent()).toContain('Wipe the thing "nas" for good.');
    expect(await card.locator('pre').textContent()).toContain('"name": "nas"');
    expect(await card.textContent()).toContain('alice');
    expect(await card.textContent()).toContain('critical');

    // A forged cross-site POST, with the approver signed in, changes nothing.
    const evil = await browser.newPage();
    const forged = await evil.goto(
      `${attackerUrl}/?target=${encodeURIComponent(`${gw.url}/approvals/${pending.id}/decide`)}`,
    );
    expect(forged).toBeTruthy();
    await evil.waitForURL(`${gw.url}/**`);
    expect(await evil.textContent('body')).toMatch(/CSRF|Sign in/);
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('pending');

    await card.locator('input[name=reason]').fill('looks right');
    await card.locator('button[value=approve]').click();
    await page.locator('.flash').waitFor();
    expect(await page.textContent('.flash')).toContain('Approved');

    const result = await call.result;
    expect(result.structuredContent).toEqual({ wiped: 'nas' });
    const records = await gw.auditRecords();
    expect(
      records.find((r) => r.event === 'approval.approved' && r.approval_id === pending.id),
    ).toMatchObject({
      by: { name: 'carol', via: 'page' },
      reason: 'looks right',
    });
    expect(records.find((r) => r.event === 'approval.used' && r.approval_id === pending.id)).toBeTruthy();
  });

  it('the requester cannot approve their own request', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'own' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    await browser.clearCookies(); // sign out carol: alice signs in next
    const page = await browser.newPage();
    await page.goto(`${gw.url}/approvals/${pending.id}`);
    await page.fill('#token', alice);
    await page.click('button[type=submit]');
    const card = page.locator(`section#${pending.id}`);
    await card.waitFor();
    expect(await card.textContent()).toContain('You requested this yourself');
    await card.locator('button[value=approve]').click();
    expect(await page.textContent('body')).toContain('approving your own request is not allowed');
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('pending');
    // Denying your own request is fine; the waiting call ends with the denial.
    await page.goto(`${gw.url}/approvals/${pending.id}`);
    await page.locator(`section#${pending.id} button[value=deny]`).click();
    expect(textOf(await call.result)).toContain('ERR_APPROVAL_DENIED');
  });

  it('refuses forged and cross-site requests outside the browser too, and a token without approvals:grant', async () => {
    const client = await gw.client(alice);
    const call = callWaiting(client, 'test_thing_wipe', { name: 'forged' });
    const pending = await pendingFor(gw, 'test_thing_wipe');
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const login = await fetch(`${gw.url}/approvals/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: carol, next: '/approvals' }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toContain('HttpOnly');
    expect(login.headers.get('set-cookie')).toContain('SameSite=Strict');
    const listing = await (await fetch(`${gw.url}/approvals`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(listing)![1]!;

    const decide = (headers: Record<string, string>, fields: Record<string, string>) =>
      fetch(`${gw.url}/approvals/${pending.id}/decide`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
        body: form(fields),
      });
    expect((await decide({}, { decision: 'approve' })).status).toBe(403);
    expect((await decide({}, { decision: 'approve', csrf: `${csrf}x` })).status).toBe(403);
    expect((await decide({ origin: 'http://evil.example' }, { decision: 'approve', csrf })).status).toBe(403);
    expect((await decide({ 'sec-fetch-site': 'cross-site' }, { decision: 'approve', csrf })).status).toBe(
      403,
    );
    expect(gw.gateway.approvals.store.get(pending.id)!.state).toBe('pending');

    const viewerToken = await gw.token({ role: 'viewer', name: 'vic' });
    const refused = await fetch(`${gw.url}/approvals/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: viewerToken }),
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('approvals:grant');

    const ok = await decide({ origin: gw.url }, { decision: 'deny', csrf, reason: 'test over' });
    expect(ok.status).toBe(200);
    expect(textOf(await call.result)).toContain('test over');
    expect(await verifyAuditLog(auditPath(gw.config))).toMatchObject({ ok: true });
  });

  it('signs in an approver the request itself identifies (as tailnet WhoIs will), and re-checks it every time', async () => {
    const whois: Verifier = {
      mode: 'tailnet',
      async verify(request) {
        if (request.headers['tailscale-user-login'] !== 'dana@example.com') return NOT_MINE;
        return accepted({
          id: 'tailnet:dana@example.com',
          kind: 'tailnet',
          name: 'Dana',
          roles: [],
          permissions: expandPermissions(['approvals:grant']),
        });
      },
    };
    const original = gw.gateway.authenticator;
    gw.gateway.authenticator = new Authenticator([whois, ...original.verifiers]);
    try {
      const client = await gw.client(alice);
      const call = callWaiting(client, 'test_thing_wipe', { name: 'ambient' });
      const pending = await pendingFor(gw, 'test_thing_wipe');
      const identity = { 'tailscale-user-login': 'dana@example.com' };
      const first = await fetch(`${gw.url}/approvals/${pending.id}`, { headers: identity });
      const page = await first.text();
      expect(page).toContain('Signed in as Dana');
      expect(page).toContain('Wipe the thing &quot;ambient&quot; for good.');
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const post = (headers: Record<string, string>) =>
        fetch(`${gw.url}/approvals/${pending.id}/decide`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
          body: new URLSearchParams({ csrf, decision: 'approve' }).toString(),
        });
      // The cookie alone is not enough once the identity is gone: the session ends.
      expect((await post({})).status).toBe(401);
      const again = await fetch(`${gw.url}/approvals/${pending.id}`, { headers: identity });
      const cookie2 = again.headers.get('set-cookie')!.split(';')[0]!;
      const csrf2 = /name="csrf" value="([^"]+)"/.exec(await again.text())![1]!;
      const ok = await fetch(`${gw.url}/approvals/${pending.id}/decide`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie2, ...identity },
        body: new URLSearchParams({ csrf: csrf2, decision: 'approve' }).toString(),
      });
      expect(ok.status).toBe(200);
      expect((await call.result).structuredContent).toEqual({ wiped: 'ambient' });
    } finally {
      gw.gateway.authenticator = original;
    }
  });

  it('rate-limits failed sign-in attempts (test/http/auth-lockout.test.ts: never a valid token)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < gw.config.rate_limit.auth_failures + 2; i++) {
      const res = await fetch(`${gw.url}/approvals/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: `guess-${i}` }).toString(),
      });
      statuses.push(res.status);
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
  });
});

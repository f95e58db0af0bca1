import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { runCli } from '../support/cli.ts';
import { ManualClock, startWatchHarness, type WatchHarness } from './support.ts';

const textOf = (read: { contents: unknown[] }) => String((read.contents[0] as { text?: string }).text);

const ALWAYS = {
  name: 'always-on',
  kind: 'threshold',
  series: 'host.load.1',
  above: -1,
  for: 0,
  severity: 'critical',
};

/**
 * The watch feature in a running gateway on the real host: tools through the call
 * wrapper (audited), resources and subscriptions, reports as resource links, and a
 * restart that keeps history and alert state.
 */
describe('watch: in the daemon', { timeout: 180_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tw-test-watch-daemon-'));
  const clock = new ManualClock();
  let h: WatchHarness;
  const start = () =>
    startWatchHarness({
      stateDir,
      clock,
      modules: [systemModule as ToolModule],
      config: { watch: { units_interval: '1h', updates_interval: '30d', rules: [ALWAYS] } },
    });

  beforeAll(async () => {
    h = await start();
    for (let i = 0; i < 4; i++) await h.collect();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('fires a config rule and lets an operator acknowledge it, audited with who did it', async () => {
    const { alerts } = await h.ok('watch_alerts_list');
    const alert = alerts.find((a: { rule: string }) => a.rule === 'always-on');
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', area: 'system' });
    const viewer = await h.gw.client(await h.gw.token({ role: 'viewer', name: 'vera' }));
    const denied = (await viewer.callTool({
      name: 'watch_alert_acknowledge',
      arguments: { alert_id: alert.id },
    })) as { isError?: boolean; content: { text: string }[] };
    expect(denied.isError).toBe(true);
    expect(denied.content[0]!.text).toContain('system:write');
    const operator = await h.gw.client(await h.gw.token({ role: 'operator', name: 'otto' }));
    const acked = (await operator.callTool({
      name: 'watch_alert_acknowledge',
      arguments: { alert_id: alert.id, comment: 'on it' },
    })) as unknown as { structuredContent: { alert: { status: string; acknowledged_by: string } } };
    expect(acked.structuredContent.alert).toMatchObject({ status: 'acknowledged' });
    expect(acked.structuredContent.alert.acknowledged_by).toContain('otto');
    const audit = await h.gw.auditRecords();
    const decision = audit.find((r) => r.tool === 'watch_alert_acknowledge' && r.decision === 'allowed');
    expect(decision).toMatchObject({
      principal: { name: 'otto' },
      args: { alert_id: alert.id, comment: 'on it' },
    });
    const story = await h.ok('watch_alert_get', { alert_id: alert.id });
    expect(story.changes.map((c: { change: string }) => c.change)).toEqual(['firing', 'acknowledged']);
  });

  it('creates, replaces and deletes a rule through tools, and refuses to touch config rules', async () => {
    const rule = { name: 'load-high', kind: 'threshold', series: 'host.load.1', above: 1000, for: '5m' };
    const created = await h.ok('watch_rule_create', { rule });
    expect(created.rule).toMatchObject({ name: 'load-high', for: '5m', severity: 'warning' });
    const again = await h.call('watch_rule_create', { rule });
    expect(again.content[0].text).toMatch(/ERR_CONFLICT.*exists/);
    await h.ok('watch_rule_update', { rule: { ...rule, above: 500 } });
    const { rules } = await h.ok('watch_rules_list');
    expect(rules.find((r: { rule: { name: string } }) => r.rule.name === 'load-high')).toMatchObject({
      origin: 'tool',
      rule: { above: 500 },
    });
    const bad = await h.call('watch_rule_create', {
      rule: { name: 'x', kind: 'threshold', series: 'host.nope' },
    });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toContain('ERR_INPUT_REJECTED');
    const configRule = await h.call('watch_rule_delete', { name: 'always-on' });
    expect(configRule.content[0].text).toMatch(/config rule; remove it from the config file/);
    await h.ok('watch_rule_delete', { name: 'load-high' });
  });

  it('serves status and open alerts as resources, and tells subscribers when they change', async () => {
    const status = await h.client.readResource({ uri: 'tailwarden://watch/status' });
    const body = JSON.parse(textOf(status));
    expect(body.collector.collections).toBeGreaterThan(3);
    expect(body.now.cpu_percent).not.toBeNull();
    const updates: string[] = [];
    h.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await h.client.subscribeResource({ uri: 'tailwarden://watch/status' });
    await h.client.subscribeResource({ uri: 'tailwarden://watch/alerts' });
    await h.collect();
    await h.ok('watch_rule_create', {
      rule: { name: 'quick', kind: 'threshold', series: 'host.load.1', above: -1, for: 0 },
    });
    await h.collect();
    const deadline = Date.now() + 10_000;
    while (
      !(updates.includes('tailwarden://watch/status') && updates.includes('tailwarden://watch/alerts'))
    ) {
      if (Date.now() > deadline) throw new Error(`updates seen: ${updates.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await h.client.unsubscribeResource({ uri: 'tailwarden://watch/status' });
    await h.ok('watch_rule_delete', { name: 'quick' });
    await expect(h.client.subscribeResource({ uri: 'tailwarden://inventory' })).rejects.toThrow(
      /does not change on its own/,
    );
  });

  it('returns a health report as a resource link the client can open, escaped and self-contained', async () => {
    const result = (await h.call('watch_report_health', { period: '24h', format: 'html' })) as {
      content: { type: string; uri?: string; mimeType?: string }[];
      structuredContent: { uri: string };
    };
    const link = result.content.find((c) => c.type === 'resource_link');
    expect(link).toMatchObject({ uri: result.structuredContent.uri, mimeType: 'text/html' });
    const read = await h.client.readResource({ uri: link!.uri! });
    const html = textOf(read);
    expect(read.contents[0]!.mimeType).toBe('text/html');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).toContain('always-on');
    const md = await h.ok('watch_report_health', { period: '7d', format: 'markdown' });
    const text = textOf(await h.client.readResource({ uri: md.uri }));
    expect(text).toMatch(/^# Health of .* \(7d\)/);
    expect(text).toContain('## Peaks');
    const csv = await h.ok('watch_report_inventory', { format: 'csv' });
    expect(textOf(await h.client.readResource({ uri: csv.uri }))).toMatch(/^kind,name,app/);
    // A caller without the report's permission cannot open it.
    const outsider = await h.gw.client(await h.gw.token({ permissions: ['docker:read'] }));
    await expect(outsider.readResource({ uri: md.uri })).rejects.toThrow(/Unknown resource|No report/);
  });

  it('writes the same reports from the CLI, for cron users', async () => {
    const html = await runCli([
      'report',
      'health',
      '--state-dir',
      stateDir,
      '--format',
      'html',
      '--from',
      '1h',
      '--to',
      'in 1h',
    ]);
    expect(html.stderr).toBe('');
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('always-on');
    const md = await runCli(['report', 'health', '--state-dir', stateDir, '--from', '1h', '--to', 'in 1h']);
    expect(md.stdout).toContain('## Alerts');
    const inventory = await runCli(['report', 'inventory', '--state-dir', stateDir, '--format', 'json']);
    expect(JSON.parse(inventory.stdout)).toMatchObject({
      identity: { hostname: expect.any(String) },
      items: [],
    });
    const bad = await runCli(['report', 'health', '--state-dir', stateDir, '--format', 'pdf']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--format must be one of markdown, html');
  }, 180_000);

  it('keeps history and alert state across a restart of the daemon', async () => {
    const before = await h.ok('watch_history', {
      series: 'host.load.1',
      from: '30m ago',
      to: 'in 1m',
      step: '15s',
    });
    const points = before.results[0].points.length;
    const { alerts } = await h.ok('watch_alerts_list');
    const acked = alerts.find((a: { rule: string }) => a.rule === 'always-on');
    await h.close();
    h = await start();
    await h.collect();
    const after = await h.ok('watch_history', {
      series: 'host.load.1',
      from: '30m ago',
      to: 'in 1m',
      step: '15s',
    });
    expect(after.results[0].points.length).toBeGreaterThan(points);
    const reopened = (await h.ok('watch_alerts_list')).alerts.filter(
      (a: { rule: string }) => a.rule === 'always-on',
    );
    expect(reopened).toEqual([expect.objectContaining({ id: acked.id, status: 'acknowledged' })]);
  }, 120_000);
});

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { waitFor } from '../support/wait.ts';
import { fails, ok } from './helpers.ts';
import { publishAptRepo, SystemdHost } from './systemd-host.ts';

const UNITS: Record<string, string> = {
  'tw-ok.service':
    '[Unit]\nDescription=tw ok\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
  'tw-fail.service':
    '[Unit]\nDescription=tw fail\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sh -c "echo config error: missing /etc/tw.conf >&2; exit 3"\nRestart=on-failure\nRestartSec=100ms\n',
  'tw-crash.service':
    '[Unit]\nDescription=tw crash\n[Service]\nType=oneshot\nExecStart=/bin/sh -c "kill -SEGV $$$$"\n',
  'tw-disk.service':
    '[Unit]\nDescription=tw disk\n[Service]\nType=oneshot\nExecStart=/bin/dd if=/dev/zero of=/mnt/tiny/fill bs=64k count=100\n',
};

describe('services, logs and packages on a real systemd host', () => {
  const host = new SystemdHost();
  let gw: TestGateway;
  let client: Client;

  beforeAll(async () => {
    host.start();
    for (const [name, text] of Object.entries(UNITS)) host.writeFile(`/etc/systemd/system/${name}`, text);
    host.exec(['systemctl', 'daemon-reload']);
    host.exec(['systemctl', 'start', 'tw-ok.service']);
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: {
        modules: { system: { exec_prefix: host.prefix } },
        policy: { high: 'allow', critical: 'allow' },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    await gw?.close();
    host.stop();
  });

  it('lists units with filters', async () => {
    const all = await ok(client, 'system_services_list', {});
    expect(all.units.map((u: { unit: string }) => u.unit)).toContain('dbus.service');
    const mine = await ok(client, 'system_services_list', { pattern: 'tw-*', state: 'active' });
    expect(mine.units).toEqual([
      { unit: 'tw-ok.service', load: 'loaded', active: 'active', sub: 'running', description: 'tw ok' },
    ]);
  });

  it('shows the status of one unit with its recent log', async () => {
    const status = await ok(client, 'system_service_status', { unit: 'tw-ok' });
    expect(status).toMatchObject({
      unit: 'tw-ok.service',
      active_state: 'active',
      sub_state: 'running',
      unit_file_state: 'disabled',
    });
    expect(status.main_pid).toBeGreaterThan(1);
    expect(status.since).toMatch(/^\d{4}-/);
    expect(status.recent_logs.some((e: { message: string }) => e.message.includes('Started'))).toBe(true);
  });

  it('refuses unknown and malformed unit names clearly', async () => {
    const text = await fails(client, 'system_service_status', { unit: 'nope-nothing' }, 'ERR_NOT_FOUND');
    expect(text).toContain('no unit named nope-nothing.service');
    await fails(client, 'system_service_restart', { unit: 'nope-nothing' }, 'ERR_NOT_FOUND');
    await fails(client, 'system_service_stop', { unit: '--all' }, 'ERR_INPUT_REJECTED');
    await fails(client, 'system_service_logs', { unit: 'a;reboot' }, 'ERR_INPUT_REJECTED');
    await fails(client, 'system_service_logs', { unit: 'tw-ok', since: '$(reboot)' }, 'ERR_INPUT_REJECTED');
  });

  it('stops, starts, restarts, enables and disables a unit', async () => {
    expect(await ok(client, 'system_service_stop', { unit: 'tw-ok' })).toMatchObject({
      active_state: 'inactive',
    });
    expect(host.exec(['systemctl', 'is-active', 'tw-ok'], true).trim()).toBe('inactive');
    expect(await ok(client, 'system_service_start', { unit: 'tw-ok.service' })).toMatchObject({
      active_state: 'active',
    });
    const before = Number(host.exec(['systemctl', 'show', '-P', 'MainPID', 'tw-ok']).trim());
    await ok(client, 'system_service_restart', { unit: 'tw-ok' });
    expect(Number(host.exec(['systemctl', 'show', '-P', 'MainPID', 'tw-ok']).trim())).not.toBe(before);
    expect(await ok(client, 'system_service_enable', { unit: 'tw-ok' })).toMatchObject({
      unit_file_state: 'enabled',
    });
    expect(await ok(client, 'system_service_disable', { unit: 'tw-ok' })).toMatchObject({
      unit_file_state: 'disabled',
    });
  });

  it('reports a crash-looping unit as failed, with its errors in the log', { timeout: 300_000 }, async () => {
    await fails(client, 'system_service_start', { unit: 'tw-crash' }, 'ERR_UPSTREAM_FAILED');
    host.exec(['systemctl', 'start', 'tw-disk'], true);
    host.exec(['systemctl', 'start', 'tw-fail'], true);
    // systemd gives up after StartLimitBurst=3 restarts
    const gaveUp = () => {
      const state = host.exec(['systemctl', 'show', '-p', 'NRestarts,ActiveState', 'tw-fail']);
      return state.includes('NRestarts=3') && state.includes('ActiveState=failed');
    };
    await waitFor(gaveUp, 'systemd to give up on tw-fail', 240_000, 200);
    const failed = await ok(client, 'system_services_failed', {});
    expect(failed.units.map((u: { unit: string }) => u.unit)).toEqual(
      expect.arrayContaining(['tw-fail.service', 'tw-crash.service', 'tw-disk.service']),
    );
    const status = await ok(client, 'system_service_status', { unit: 'tw-fail' });
    expect(status).toMatchObject({ active_state: 'failed', result: 'exit-code', restarts: 3 });
    const logs = await ok(client, 'system_service_logs', { unit: 'tw-fail', grep: 'config error' });
    expect(logs.entries.length).toBeGreaterThanOrEqual(3);
    expect(logs.entries.every((e: { message: string }) => e.message.includes('config error'))).toBe(true);
    const none = await ok(client, 'system_service_logs', { unit: 'tw-fail', grep: 'no-such-text-anywhere' });
    expect(none.entries).toEqual([]);
  });

  it('takes the one time grammar for since/until and hands journalctl a time it understands', async () => {
    // "15m" used to pass validation and then make journalctl fail; every form of util/when.ts works now.
    for (const since of ['15m', '1h ago', 'today', `@${Math.floor(Date.now() / 1000) - 3600}`]) {
      const out = await ok(client, 'system_logs_query', { since, lines: 5 });
      expect(out.source, `since ${since}`).toBe('journald');
      expect(out.entries.length, `since ${since}`).toBeGreaterThan(0);
    }
    const before = await ok(client, 'system_logs_query', { until: '2000-01-01', lines: 5 });
    expect(before.entries).toEqual([]);
    const unit = await ok(client, 'system_service_logs', { unit: 'tw-ok', since: '1d ago', until: 'in 1h' });
    expect(unit.unit).toBe('tw-ok.service');
    const bad = await fails(client, 'system_logs_query', { since: 'last tuesday' }, 'ERR_INPUT_REJECTED');
    expect(bad).toContain('since: not a time; use "now"');
  });

  it('queries and analyzes the journal, naming restart loops, crashes and a full disk', async () => {
    const query = await ok(client, 'system_logs_query', { identifier: 'dd', lines: 20 });
    expect(query.source).toBe('journald');
    expect(
      query.entries.some((e: { message: string }) => e.message.includes('No space left on device')),
    ).toBe(true);
    const result = await ok(client, 'system_logs_analyze', { lines: 5000 });
    const analysis = result.analysis;
    expect(result).not.toHaveProperty('root_cause'); // this client offers no sampling
    expect(analysis.total_lines).toBeGreaterThan(50);
    const kinds = Object.fromEntries(analysis.findings.map((f: { kind: string }) => [f.kind, f]));
    expect(kinds.restart_loop.subjects[0].name).toBe('tw-fail.service');
    expect(kinds.segfault.count).toBeGreaterThanOrEqual(1);
    expect(kinds.disk_full.count).toBeGreaterThanOrEqual(1);
    expect(analysis.top_messages.length).toBeGreaterThan(0);
    expect(analysis.histogram.buckets.length).toBeGreaterThan(0);
  });

  it('asks the client model for a root cause when the client offers sampling', async () => {
    const sampling = await gw.client(await gw.token({ role: 'admin' }), { capabilities: { sampling: {} } });
    const { CreateMessageRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    let asked = '';
    sampling.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      const content = request.params.messages[0]!.content as { type: string; text: string };
      asked = content.text;
      return {
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: 'tw-fail lacks /etc/tw.conf.' },
      };
    });
    const result = await ok(sampling, 'system_logs_analyze', { unit: 'tw-fail' });
    expect(result.root_cause).toBe('tw-fail lacks /etc/tw.conf.');
    expect(asked).toContain('restart_loop');
  });

  it('inventories the running systemd services of the host', async () => {
    const scan = await ok(client, 'inventory_scan', {});
    expect(scan.sources.systemd).toBe('ok');
    const units = scan.items
      .filter((i: { kind: string }) => i.kind === 'unit')
      .map((i: { name: string }) => i.name);
    expect(units).toEqual(
      expect.arrayContaining(['dbus.service', 'tw-ok.service', 'systemd-journald.service']),
    );
  });

  it('checks, installs, upgrades and removes packages with apt, offline', { timeout: 300_000 }, async () => {
    publishAptRepo(host, 'tw-hello', ['1.0']);
    const progress: string[] = [];
    const install = await client.callTool(
      { name: 'system_packages_install', arguments: { packages: ['tw-hello'] } },
      undefined,
      { onprogress: (p) => void progress.push(p.message ?? ''), timeout: 120_000 },
    );
    expect(install.isError, JSON.stringify(install.content)).toBeFalsy();
    expect((install.structuredContent as { changes: unknown[] }).changes).toEqual([
      { name: 'tw-hello', version: '1.0', action: 'installed' },
    ]);
    expect(progress.length).toBeGreaterThan(0);
    const listed = await ok(client, 'system_packages_list', { contains: 'tw-hello' });
    expect(listed).toMatchObject({
      manager: 'apt',
      packages: [{ name: 'tw-hello', version: '1.0', arch: 'all' }],
    });

    publishAptRepo(host, 'tw-hello', ['1.0', '1.1']);
    const check = await ok(client, 'system_packages_check', { refresh: true });
    expect(check.updates).toEqual([
      { name: 'tw-hello', current: '1.0', available: '1.1', source: 'bookworm-security', security: true },
    ]);
    expect(check.security_count).toBe(1);
    const upgrade = await ok(client, 'system_packages_upgrade', {});
    expect(upgrade.changes, upgrade.output).toContainEqual({
      name: 'tw-hello',
      version: '1.1',
      action: 'installed',
    });
    expect(upgrade.output).toContain('tw-hello');
    expect((await ok(client, 'system_packages_check', {})).count).toBe(0);

    await fails(client, 'system_packages_install', { packages: ['-o=APT::x'] }, 'ERR_INPUT_REJECTED');
    await fails(
      client,
      'system_packages_install',
      { packages: ['no-such-package-tw'] },
      'ERR_UPSTREAM_FAILED',
    );
    const removed = await ok(client, 'system_packages_remove', { packages: ['tw-hello'] });
    expect(removed.changes).toContainEqual({ name: 'tw-hello', version: '1.1', action: 'removed' });
  });

  it('gates package changes as critical by default: nothing runs until someone approves', async () => {
    const strict = await startTestGateway({
      modules: [systemModule as ToolModule],
      // The default rule for critical is `approve`; wait only briefly for an approval that never comes.
      config: { modules: { system: { exec_prefix: host.prefix } }, policy: { approval_wait: '1s' } },
    });
    try {
      const admin = await strict.client(await strict.token({ role: 'admin' }));
      await fails(admin, 'system_packages_install', { packages: ['tw-hello'] }, 'ERR_APPROVAL_PENDING');
      expect(host.exec(['dpkg-query', '-W', 'tw-hello'], true)).not.toContain('1.');
      const { tools } = await admin.listTools();
      const upgrade = tools.find((t) => t.name === 'system_packages_upgrade')!;
      expect(upgrade.annotations).toEqual({ destructiveHint: true, openWorldHint: false });
    } finally {
      await strict.close();
    }
  });
});

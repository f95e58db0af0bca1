import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';

// A host without systemd or journald (busybox), reached through exec_prefix like any other host.
describe('logs on a host without journald', () => {
  const name = `tw-test-system-syslog-${randomBytes(4).toString('hex')}`;
  let gw: TestGateway;
  let client: Client;

  beforeAll(async () => {
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      'tailwarden-test-busybox:latest',
      'sleep',
      '600',
    ]);
    const lines = [
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `Nov 23 10:00:${String(i).padStart(2, '0')} nas sshd[${700 + i}]: Failed password for root from 198.51.100.${i % 4} port ${50000 + i} ssh2`,
      ),
      'Nov 23 10:01:00 nas kernel: [1234.5] Out of memory: Killed process 999 (jellyfin) total-vm:4000000kB',
      'Nov 23 10:02:00 nas crond[88]: job finished',
    ];
    execFileSync('docker', ['exec', '-i', name, 'sh', '-c', 'mkdir -p /var/log && cat > /var/log/syslog'], {
      input: `${lines.join('\n')}\n`,
    });
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { exec_prefix: ['docker', 'exec', name] } } },
    });
    client = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    await gw?.close();
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  });

  it('falls back to /var/log/syslog for queries', async () => {
    const out = await ok(client, 'system_logs_query', { lines: 5, grep: 'Failed password' });
    expect(out.source).toBe('/var/log/syslog');
    expect(out.entries).toHaveLength(5);
    expect(out.entries[0]).toMatchObject({ identifier: 'sshd' });
    expect(out.entries.every((e: { message: string }) => e.message.startsWith('Failed password'))).toBe(true);
  });

  it('applies the time window to the syslog lines too', async () => {
    const all = await ok(client, 'system_logs_query', { since: '2000-01-01', lines: 50 });
    expect(all.entries).toHaveLength(14);
    const none = await ok(client, 'system_logs_query', { until: '2000-01-01', lines: 50 });
    expect(none.entries).toEqual([]);
  });

  it('analyzes the syslog file', async () => {
    const { source, analysis } = await ok(client, 'system_logs_analyze', {});
    expect(source).toBe('/var/log/syslog');
    expect(analysis.total_lines).toBe(14);
    const kinds = Object.fromEntries(analysis.findings.map((f: { kind: string }) => [f.kind, f]));
    expect(kinds.auth_failures.count).toBe(12);
    expect(kinds.oom_kill.subjects).toEqual([{ name: 'jellyfin', count: 1 }]);
  });

  it('says clearly that unit logs and services need systemd', async () => {
    const text = await fails(client, 'system_logs_query', { unit: 'nginx' }, 'ERR_UPSTREAM_UNAVAILABLE');
    expect(text).toContain('journald');
    const services = await fails(client, 'system_services_list', {}, 'ERR_UPSTREAM_UNAVAILABLE');
    expect(services).toContain('systemctl is not installed');
    await fails(client, 'system_packages_check', {}, 'ERR_UPSTREAM_UNAVAILABLE');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { publishAptRepo, SystemdHost } from '../system/systemd-host.ts';
import { collectUntil, startWatchHarness, type WatchHarness } from './support.ts';

const UNITS: Record<string, string> = {
  'tw-flap.service':
    '[Unit]\nDescription=tw flap\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sh -c "sleep 1; exit 2"\nRestart=always\nRestartSec=1\n',
  'tw-broken.service':
    '[Unit]\nDescription=tw broken\n[Service]\nType=oneshot\nExecStart=/bin/sh -c "echo cannot start >&2; exit 4"\n',
};

/** A TLS server on loopback whose certificate expires in five days. */
function expiringTlsServer(): Promise<{ server: Server; port: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '5',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  const server = createServer(
    { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) },
    (_q, r) => r.end('ok'),
  );
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, dir }),
    ),
  );
}

/**
 * Units, pending security updates and certificates, on a real Debian 12 with systemd (in a
 * container) and a real TLS server; time for the collector moved by hand.
 */
describe('watch: systemd units, security updates and certificates', { timeout: 180_000 }, () => {
  const host = new SystemdHost();
  let h: WatchHarness;
  let tls: Awaited<ReturnType<typeof expiringTlsServer>>;

  beforeAll(async () => {
    host.start();
    for (const [name, text] of Object.entries(UNITS)) host.writeFile(`/etc/systemd/system/${name}`, text);
    host.exec(['systemctl', 'daemon-reload']);
    publishAptRepo(host, 'tw-secpkg', ['1.0', '2.0']);
    host.exec(['apt-get', 'update', '-qq']);
    host.exec(['apt-get', 'install', '-y', '-qq', 'tw-secpkg=1.0']);
    tls = await expiringTlsServer();
    h = await startWatchHarness({
      modules: [systemModule as ToolModule],
      config: {
        modules: { system: { exec_prefix: host.prefix, net_allow_loopback: true } },
        watch: {
          units_interval: '15s',
          updates_interval: '1h',
          tls_interval: '1h',
          rules: [{ name: 'certs', kind: 'tls_expiry', endpoints: [`127.0.0.1:${tls.port}`], days: 14 }],
        },
      },
    });
    host.exec(['systemctl', 'start', 'tw-flap.service']);
    host.exec(['systemctl', 'start', 'tw-broken.service'], true);
  });
  afterAll(async () => {
    await h?.close();
    host.stop();
    tls?.server.close();
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  const openAlert = async (rule: string, label?: Record<string, string>) =>
    (await h.ok('watch_alerts_list')).alerts.find(
      (a: { rule: string; labels: Record<string, string> }) =>
        a.rule === rule && Object.entries(label ?? {}).every(([k, v]) => a.labels[k] === v),
    );

  it('fires unit-failed for a failed unit and records its state change', async () => {
    await collectUntil(
      h,
      async () => Boolean(await openAlert('unit-failed', { unit: 'tw-broken.service' })),
      'unit-failed',
    );
    const failed = await h.ok('watch_history', {
      series: 'systemd.units.failed',
      from: '30m ago',
      to: 'in 1h',
    });
    expect(Math.max(...failed.results[0].points.map((p: { max: number }) => p.max))).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('sees a service restarting in a loop', async () => {
    await collectUntil(
      h,
      async () => Boolean(await openAlert('unit-restart-loop', { unit: 'tw-flap.service' })),
      'the restart loop',
    );
    const events = await h.ok('watch_events', {
      from: '1h ago',
      to: 'in 1h',
      subject: 'tw-flap.service',
      include_audit: false,
    });
    expect(events.items.some((e: { kind: string }) => e.kind === 'unit.restart')).toBe(true);
  });

  it('fires security-updates once an update has been pending for longer than a week', async () => {
    await collectUntil(
      h,
      async () => {
        const status = await h.ok('watch_status');
        return status.collector.sources.updates.runs > 0;
      },
      'the updates source',
    );
    const pending = await h.ok('watch_history', {
      series: 'updates.security_pending',
      from: '1h ago',
      to: 'in 1h',
    });
    expect(pending.results[0].points.at(-1).max).toBe(1);
    expect(await openAlert('security-updates')).toBeUndefined();
    await h.jump(8 * 86_400_000);
    const alert = await openAlert('security-updates');
    expect(alert?.summary).toContain('tw-secpkg');
  });

  it('fires tls_expiry for a certificate that expires within the window', async () => {
    const alert = await openAlert('certs', { endpoint: `127.0.0.1:${tls.port}` });
    // The jump above moved the clock eight days: the five-day certificate has expired by then.
    expect(alert?.summary).toMatch(/expires in -?\d/);
  });
});

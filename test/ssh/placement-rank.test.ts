import { describe, expect, it } from 'vitest';
import { PlacementLog } from '../../src/modules/ssh/placement-log.ts';
import { type Candidate, mountFor, rankHosts } from '../../src/modules/ssh/placement-rank.ts';
import type { HostStatus } from '../../src/modules/ssh/status.ts';

const GiB = 1024 ** 3;

function status(
  host: string,
  figures: { cpus?: number; load: number; freeMem: number; freeDisk: number; failed?: string[] },
): HostStatus {
  return {
    host,
    answered: true,
    uptime_s: 1000,
    ...(figures.cpus ? { cpus: figures.cpus } : {}),
    load_average: { m1: figures.load, m5: figures.load, m15: figures.load },
    memory: {
      total_bytes: 16 * GiB,
      available_bytes: figures.freeMem * GiB,
      used_percent: 100 - (figures.freeMem / 16) * 100,
    },
    disks: [
      {
        mount: '/',
        size_bytes: 100 * GiB,
        available_bytes: figures.freeDisk * GiB,
        used_percent: 100 - figures.freeDisk,
      },
      { mount: '/var/lib/docker', size_bytes: 500 * GiB, available_bytes: 400 * GiB, used_percent: 20 },
    ],
    failed_units: figures.failed ?? [],
    duration_ms: 5,
  };
}

const candidate = (host: string, s: HostStatus, docker = true): Candidate => ({ host, docker, status: s });

describe('ranking fleet hosts for a new workload', () => {
  it('prefers free CPU, memory and disk, penalises alerts, and says why', () => {
    const { ranked, excluded } = rankHosts(
      [
        candidate('busy', status('busy', { cpus: 4, load: 3.5, freeMem: 2, freeDisk: 10 })),
        candidate('idle', status('idle', { cpus: 4, load: 0.2, freeMem: 12, freeDisk: 80 })),
        candidate(
          'broken',
          status('broken', {
            cpus: 4,
            load: 0.2,
            freeMem: 12,
            freeDisk: 80,
            failed: ['nginx.service', 'cron.service'],
          }),
        ),
      ],
      { docker: false, diskPath: '/' },
    );
    expect(excluded).toEqual([]);
    expect(ranked.map((r) => r.host)).toEqual(['idle', 'broken', 'busy']);
    expect(ranked[0]!.reasons).toEqual([
      '3.8 of 4 cores free (load 0.2)',
      '12.0 GiB of 16.0 GiB memory free',
      '80.0 GiB free on /',
      'no alerts',
    ]);
    expect(ranked[1]!.score).toBe(Math.round((ranked[0]!.score - 20) * 10) / 10);
    expect(ranked[1]!.reasons.at(-1)).toBe('2 alert(s): failed unit nginx.service; failed unit cron.service');
  });

  it('excludes hosts that cannot take the workload, with the reason', () => {
    const down: HostStatus = {
      host: 'down',
      answered: false,
      error: 'no answer within 10000 ms',
      duration_ms: 10_000,
    };
    const { ranked, excluded } = rankHosts(
      [
        candidate('down', down),
        candidate('nodocker', status('nodocker', { cpus: 8, load: 0, freeMem: 15, freeDisk: 90 }), false),
        candidate('small', status('small', { cpus: 2, load: 0, freeMem: 1, freeDisk: 90 })),
        candidate('ok', status('ok', { cpus: 2, load: 1, freeMem: 4, freeDisk: 50 })),
      ],
      { docker: true, diskPath: '/', minMemoryBytes: 2 * GiB },
    );
    expect(ranked.map((r) => r.host)).toEqual(['ok']);
    expect(excluded).toEqual([
      { host: 'down', reason: 'did not answer: no answer within 10000 ms' },
      { host: 'nodocker', reason: 'docker is not enabled for it (docker: true in modules.ssh.hosts)' },
      { host: 'small', reason: 'only 1.0 GiB memory free (needs 2.0 GiB)' },
    ]);
  });

  it('judges the filesystem holding disk_path, and the same figures always give the same order', () => {
    expect(
      mountFor([{ mount: '/' }, { mount: '/var' }, { mount: '/var/lib/docker' }], '/var/lib/docker/volumes')
        ?.mount,
    ).toBe('/var/lib/docker');
    expect(mountFor([{ mount: '/' }, { mount: '/var/lib/dock' }], '/var/lib/docker')?.mount).toBe('/');
    const same = (h: string) => candidate(h, status(h, { cpus: 2, load: 0.5, freeMem: 8, freeDisk: 5 }));
    const { ranked } = rankHosts([same('b'), same('a')], { docker: false, diskPath: '/var/lib/docker' });
    expect(ranked.map((r) => [r.host, r.disk_mount])).toEqual([
      ['a', '/var/lib/docker'],
      ['b', '/var/lib/docker'],
    ]);
  });

  it('uses the metrics history when there is one: recent load and open alerts count', () => {
    const now = status('steady', { cpus: 4, load: 0.1, freeMem: 12, freeDisk: 80 });
    const { ranked } = rankHosts(
      [
        { ...candidate('steady', now), history: { loadP95: 0.4, window: 'the last 24 h', openAlerts: [] } },
        {
          ...candidate('spiky', { ...now, host: 'spiky' }),
          history: { loadP95: 3.8, window: 'the last 24 h', openAlerts: ['disk filling up'] },
        },
      ],
      { docker: false, diskPath: '/' },
    );
    expect(ranked.map((r) => r.host)).toEqual(['steady', 'spiky']);
    expect(ranked[1]!.reasons).toContain('load 3.8 at the 95th percentile over the last 24 h');
    expect(ranked[1]!.alerts).toEqual(['disk filling up']);
  });

  it('holds a deploy to its pick: same host, not older than an hour', async () => {
    let now = 1_000_000;
    const log = new PlacementLog({ now: () => now });
    const pick = await log.record('nas', ['3 of 4 cores free'], { callId: 'c1', ranking: [], excluded: [] });
    expect(log.verify(pick.id, 'nas')).toMatchObject({ host: 'nas' });
    expect(() => log.verify(pick.id, 'oci')).toThrow(/chose host nas, but the call names host oci/);
    expect(() => log.verify(pick.id, undefined)).toThrow(/names no host/);
    now += 61 * 60 * 1000;
    expect(() => log.verify(pick.id, 'nas')).toThrow(/unknown or older than 60 minutes/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { hostFor } from '../ssh/fleet-support.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { collectUntil, startWatchHarness, type WatchHarness } from './support.ts';

/**
 * fleet_pick_host with the Watch module on: the collector probes a real sshd host, and the
 * pick weighs the host's load and memory over the last day and its open alerts, saying so.
 */
describe('fleet_pick_host: placement from the metrics history', { timeout: 180_000 }, () => {
  let sshd: TestSshd;
  let h: WatchHarness;

  beforeAll(async () => {
    sshd = await startSshd();
    h = await startWatchHarness({
      modules: [sshModule as ToolModule],
      config: {
        modules: {
          ssh: { enabled: true, fleet_timeout: '90s', hosts: [hostFor(sshd, 'lab', { tags: ['lab'] })] },
        },
        watch: {
          fleet_interval: '15s',
          default_rules: false,
          // Always true for a host that reports memory: an open alert on the host to weigh.
          rules: [
            {
              name: 'lab-memory',
              kind: 'threshold',
              series: 'fleet.host.memory.used_percent',
              above: 0,
              for: '0s',
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await disposeSshd(sshd);
  });

  it('weighs load and memory at the 95th percentile over the last day and the open alerts, with the reasons', async () => {
    await collectUntil(
      h,
      () => h.watch.alerts.open().some((a) => a.rule === 'lab-memory' && a.labels.host === 'lab'),
      'the fleet host sampled and its alert open',
    );
    const pick = await h.ok('fleet_pick_host', { tag: 'lab' });
    expect(pick.history).toBe('live status and the metrics history');
    expect(pick.pick.host).toBe('lab');
    const [lab] = pick.ranked;
    expect(lab.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^load [\d.]+ at the 95th percentile over the last 24 h$/),
        expect.stringMatching(/^memory [\d.]+% used at the 95th percentile over the last 24 h$/),
      ]),
    );
    expect(lab.alerts).toEqual(expect.arrayContaining([expect.stringMatching(/^lab-memory: /)]));
    expect(lab.reasons.at(-1)).toMatch(/alert\(s\): .*lab-memory/);
  });
});

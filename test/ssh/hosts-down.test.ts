import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.ts';
import { fleetStatus } from '../../src/modules/ssh/status.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { waitFor } from '../support/wait.ts';
import { hostFor, testFleet } from './fleet-support.ts';

const never = new AbortController().signal;
/**
 * Per-host deadline of fleet_status for hosts that are up: liveness only. A host that is
 * down refuses the connection at once, so nothing here waits for this to run out.
 */
const ANSWER_WITHIN = 120_000;

describe('a fleet with a host that goes down', () => {
  let alpha: TestSshd;
  let beta: TestSshd;
  let gamma: TestSshd;

  beforeAll(async () => {
    alpha = await startSshd();
    beta = await startSshd({ address: '127.0.0.2', userKeyFile: alpha.userKeyFile });
    gamma = await startSshd({ address: '127.0.0.3', userKeyFile: alpha.userKeyFile });
  });
  afterAll(async () => {
    for (const sshd of [alpha, beta, gamma]) await disposeSshd(sshd);
  });

  it('reports the hosts that answered and the one that did not, and fails fast while it is down', async () => {
    const t = testFleet({
      hosts: [hostFor(alpha, 'alpha'), hostFor(beta, 'beta', { tags: ['nas'] }), hostFor(gamma, 'gamma')],
      down_retry: '1h',
    });
    try {
      const before = await fleetStatus(t.fleet, ['alpha', 'beta', 'gamma'], ANSWER_WITHIN, never);
      expect(before.not_answered).toEqual([]);
      // gamma holds a pooled connection; killing its sshd (and its sessions) drops it.
      await gamma.stop();
      const status = await fleetStatus(t.fleet, ['alpha', 'beta', 'gamma'], ANSWER_WITHIN, never);
      expect(status.not_answered).toEqual(['gamma']);
      const answered = status.hosts.filter((h) => h.answered);
      expect(answered.map((h) => h.host)).toEqual(['alpha', 'beta']);
      for (const host of answered) {
        expect(host.uptime_s).toBeGreaterThan(0);
        expect(host.memory?.total_bytes).toBeGreaterThan(0);
        expect(host.load_average?.m1).toBeGreaterThanOrEqual(0);
        expect(host.disks?.length).toBeGreaterThan(0);
      }
      const gammaStatus = status.hosts.find((h) => h.host === 'gamma');
      expect(gammaStatus?.error).toMatch(/refused the connection|could not be reached/);
      // Now marked down: the next call fails at once, with a retry hint, without dialling.
      let failure: unknown;
      await t.fleet.run('gamma', t.fleet.entry('uptime'), {}, never).catch((e) => {
        failure = e;
      });
      expect(failure).toBeInstanceOf(GatewayError);
      expect((failure as GatewayError).message).toMatch(/gamma is down .* tried again in/);
      expect((failure as GatewayError).retryAfter).toBeGreaterThan(0);
      expect(t.fleet.pool.status('gamma').down).toBe(true);
      // Other hosts are unaffected.
      expect((await t.fleet.run('beta', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
    } finally {
      await gamma.start();
      await t.close();
    }
  });

  it('tries a down host again after down_retry, and reconnects after a dropped connection', async () => {
    const t = testFleet({ hosts: [hostFor(alpha, 'alpha'), hostFor(gamma, 'gamma')], down_retry: '100ms' });
    try {
      expect((await t.fleet.run('gamma', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
      await gamma.stop();
      await expect(t.fleet.run('gamma', t.fleet.entry('uptime'), {}, never)).rejects.toThrow();
      await gamma.start();
      // The pool tries a down host again once down_retry has passed: wait for that, not a guess.
      await waitFor(() => !t.fleet.pool.status('gamma').down, 'gamma to leave the down state');
      expect((await t.fleet.run('gamma', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('refuses a host whose key changed after it was pinned', async () => {
    const t = testFleet({ hosts: [hostFor(beta, 'beta')] });
    try {
      expect((await t.fleet.run('beta', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
      const pinned = beta.fingerprint;
      await beta.changeHostKey();
      expect(beta.fingerprint).not.toBe(pinned);
      await expect(t.fleet.run('beta', t.fleet.entry('uptime'), {}, never)).rejects.toMatchObject({
        code: 'ERR_HOST_KEY_UNTRUSTED',
        message: expect.stringContaining(`presented ${beta.fingerprint}, but ${pinned} is pinned`),
      });
    } finally {
      await t.close();
    }
  });
});

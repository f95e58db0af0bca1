import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.ts';
import { fingerprintOf } from '../../src/modules/ssh/hosts.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { waitFor } from '../support/wait.ts';
import { hostFor, testFleet } from './fleet-support.ts';

const never = new AbortController().signal;

async function errorOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('SSH fleet against a real OpenSSH server', () => {
  let sshd: TestSshd;
  let catalogFile: string;

  beforeAll(async () => {
    sshd = await startSshd();
    catalogFile = join(sshd.dir, 'catalog.yaml');
    writeFileSync(
      catalogFile,
      [
        'commands:',
        '  - name: echo_args',
        '    description: Print each argument on its own NUL-terminated record.',
        "    argv: [printf, '%s\\0', '{text}', '{path}']",
        '    parameters:',
        '      text: { type: string, description: anything, max_length: 1000 }',
        '      path: { type: path, roots: [/srv, /var/log], description: a file, default: /srv/x }',
        '  - name: sleeper',
        '    description: Sleep.',
        "    argv: [sleep, '{seconds}']",
        '    parameters:',
        '      seconds: { type: integer, min: 1, max: 60, description: how long }',
        '    timeout: 500ms',
        '  - name: chatty',
        '    description: Endless output.',
        '    argv: [yes, tailwarden]',
        '    output_cap: 10KiB',
        '  - name: flag_ok',
        '    description: Takes a value that may start with a dash.',
        "    argv: [printf, '%s', '{value}']",
        '    parameters:',
        '      value: { type: string, allow_leading_dash: true, description: a value }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await disposeSshd(sshd);
  });

  it('computes the same fingerprint as ssh-keygen', async () => {
    const { probeHostKey } = await import('../../src/modules/ssh/exec.ts');
    const probe = await probeHostKey(sshd.address, sshd.port, 60_000); // liveness only
    expect(probe.fingerprint).toBe(sshd.fingerprint);
    expect(fingerprintOf(Buffer.from('x'))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('runs a catalog command on a host whose pinned key matches', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')] });
    try {
      const run = await t.fleet.run('alpha', t.fleet.entry('kernel'), {}, never);
      expect(run.exit_code).toBe(0);
      expect(run.stdout).toMatch(/^Linux /);
      expect(run.argv).toEqual(['uname', '-srvm']);
      const check = await t.fleet.check('alpha', never);
      expect(check).toMatchObject({ reachable: true, key_matches: true, login_ok: true });
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
    } finally {
      await t.close();
    }
  });

  it('refuses a host without a pinned key, and a host whose key differs from the pin', async () => {
    const t = testFleet({
      hosts: [
        hostFor(sshd, 'unpinned', { host_key: undefined }),
        hostFor(sshd, 'wrongkey', { host_key: `SHA256:${'A'.repeat(43)}` }),
      ],
    });
    try {
      const unpinned = await errorOf(t.fleet.run('unpinned', t.fleet.entry('uptime'), {}, never));
      expect(unpinned.code).toBe('ERR_HOST_KEY_UNTRUSTED');
      expect(unpinned.message).toMatch(/tailwarden hosts trust unpinned/);
      const wrong = await errorOf(t.fleet.run('wrongkey', t.fleet.entry('uptime'), {}, never));
      expect(wrong.code).toBe('ERR_HOST_KEY_UNTRUSTED');
      expect(wrong.message).toContain('HOST KEY MISMATCH');
      expect(wrong.message).toContain(sshd.fingerprint);
      // Refused again on the next call, not cached as merely "down".
      expect((await errorOf(t.fleet.run('wrongkey', t.fleet.entry('uptime'), {}, never))).code).toBe(
        'ERR_HOST_KEY_UNTRUSTED',
      );
      const check = await t.fleet.check('wrongkey', never);
      expect(check).toMatchObject({ reachable: true, key_matches: false, login_ok: false });
      expect(check.presented_fingerprint).toBe(sshd.fingerprint);
    } finally {
      await t.close();
    }
  });

  it('names an unusable key file without marking the host down or leaking the passphrase', async () => {
    const encrypted = join(sshd.dir, 'encrypted_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'tw-secret-passphrase', '-f', encrypted]);
    const t = testFleet({
      hosts: [
        hostFor(sshd, 'locked', { key_file: encrypted }),
        hostFor(sshd, 'nokey', { key_file: join(sshd.dir, 'missing') }),
      ],
    });
    try {
      const locked = await errorOf(t.fleet.run('locked', t.fleet.entry('uptime'), {}, never));
      expect(locked.code).toBe('ERR_CONFIG_INVALID');
      expect(locked.message).toMatch(/key file for host "locked" cannot be used/);
      expect(locked.message).not.toContain('tw-secret-passphrase');
      expect(t.fleet.pool.status('locked').down).toBe(false);
      const missing = await errorOf(t.fleet.run('nokey', t.fleet.entry('uptime'), {}, never));
      expect(missing.message).toMatch(/Cannot read the key file for host "nokey" \(ENOENT\)/);
    } finally {
      await t.close();
    }
  });

  it('accepts a key pinned in the trust store, for that address only', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'beta', { host_key: undefined })] });
    try {
      t.fleet.hosts.trust('beta', sshd.fingerprint);
      const run = await t.fleet.run('beta', t.fleet.entry('uptime'), {}, never);
      expect(run.exit_code).toBe(0);
      t.db.sqlite.prepare('UPDATE ssh_host_pins SET port = 1 WHERE name = ?').run('beta');
      expect(t.fleet.hosts.get('beta').pin).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('passes hostile values as one literal argument each', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')], catalogs: [catalogFile] });
    try {
      const entry = t.fleet.entry('echo_args');
      for (const text of ['; rm -rf /', '$(id)', '`id`', "'; touch /tmp/tw-test-pwned; '", 'a b', '*', '']) {
        const run = await t.fleet.run('alpha', entry, { text, path: '/srv/data/file' }, never);
        expect(run.stdout.split('\0').slice(0, -1)).toEqual([text, '/srv/data/file']);
      }
      const flag = await t.fleet.run('alpha', t.fleet.entry('flag_ok'), { value: '-n' }, never);
      expect(flag.stdout).toBe('-n');
    } finally {
      await t.close();
    }
  });

  it('refuses values that would be read as options, line breaks and path escapes', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')], catalogs: [catalogFile] });
    try {
      const entry = t.fleet.entry('echo_args');
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ text: '-rf' }, /must not start with "-"/],
        [{ text: 'a\nb' }, /line break/],
        [{ text: 'a\0b' }, /NUL/],
        [{ text: 'x', path: '/srv/../etc/shadow' }, /must not contain "\.\."/],
        [{ text: 'x', path: '/etc/shadow' }, /must be under \/srv or \/var\/log/],
        [{ text: 'x', path: '/srvfoo' }, /must be under/],
        [{ text: 'x', path: 'relative' }, /absolute/],
        [{ text: 'x', extra: 1 }, /unknown parameter/],
        [{}, /"text" is required/],
      ];
      for (const [params, message] of cases) {
        const error = await errorOf(t.fleet.run('alpha', entry, params, never));
        expect(error.code).toBe('ERR_INPUT_REJECTED');
        expect(error.message).toMatch(message);
      }
      const sleeper = t.fleet.entry('sleeper');
      for (const seconds of [0, 61, 1.5, '5']) {
        expect((await errorOf(t.fleet.run('alpha', sleeper, { seconds }, never))).code).toBe(
          'ERR_INPUT_REJECTED',
        );
      }
      const ps = t.fleet.entry('top_processes');
      expect((await errorOf(t.fleet.run('alpha', ps, { by: 'user' }, never))).message).toMatch(/one of/);
    } finally {
      await t.close();
    }
  });

  it('stops a command at its timeout and cuts output at the cap', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')], catalogs: [catalogFile] });
    try {
      const timeout = await errorOf(t.fleet.run('alpha', t.fleet.entry('sleeper'), { seconds: 59 }, never));
      expect(timeout.code).toBe('ERR_TIMEOUT');
      // The host kills it too, one second after the gateway gave up (timeout(1) on the host).
      await waitFor(
        async () =>
          !/^sleep 59$/m.test((await t.fleet.exec('alpha', ['ps', '-eo', 'args'], { signal: never })).stdout),
        'the host to kill the timed-out command',
        undefined,
        200,
      );
      const chatty = await t.fleet.run('alpha', t.fleet.entry('chatty'), {}, never);
      expect(chatty.truncated).toBe(true);
      expect(Buffer.byteLength(chatty.stdout)).toBe(10 * 1024);
      // The connection is still usable afterwards.
      expect((await t.fleet.run('alpha', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('closes a pooled connection after idle_timeout and reopens it on the next call', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')], idle_timeout: '100ms' });
    try {
      await t.fleet.run('alpha', t.fleet.entry('uptime'), {}, never);
      await waitFor(() => !t.fleet.pool.status('alpha').connected, 'the idle connection to close');
      expect((await t.fleet.run('alpha', t.fleet.entry('uptime'), {}, never)).exit_code).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('reuses one pooled connection and caps concurrency per host', async () => {
    const t = testFleet({ hosts: [hostFor(sshd, 'alpha')], max_concurrent_per_host: 2 });
    const dir = join(sshd.dir, 'running');
    try {
      await t.fleet.exec('alpha', ['mkdir', '-p', dir], { signal: never });
      // Each command registers itself in a directory while it runs and reports how many are running.
      const script = `touch ${dir}/$$; ls ${dir} | wc -l; echo $SSH_CONNECTION; sleep 0.3; rm ${dir}/$$`;
      const runs = await Promise.all(
        Array.from({ length: 6 }, () => t.fleet.exec('alpha', ['sh', '-c', script], { signal: never })),
      );
      const running = runs.map((r) => Number(r.stdout.split('\n')[0]));
      expect(Math.max(...running)).toBeLessThanOrEqual(2);
      expect(new Set(runs.map((r) => r.stdout.split('\n')[1])).size).toBe(1);
      expect(t.fleet.pool.status('alpha')).toMatchObject({ connected: true, active: 0 });
    } finally {
      await t.close();
    }
  });
});

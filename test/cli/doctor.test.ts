import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';
import { hostFor } from '../ssh/fleet-support.ts';
import { runCli, startServe } from '../support/cli.ts';
import { disposeSshd, freePort, startSshd, type TestSshd } from '../support/sshd.ts';

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** Every part real (the Docker engine, an sshd) but Tailscale, which is the documented LocalAPI fake. */
describe('tailwarden doctor', { timeout: 120_000 }, () => {
  let sshd: TestSshd;
  let tailscaled: FakeTailscaled;
  let dir: string;

  const writeConfig = (name: string, config: Record<string, unknown>) => {
    const file = join(dir, `${name}.json.yaml`);
    writeFileSync(file, JSON.stringify(config)); // JSON is YAML
    return file;
  };
  const doctor = async (file: string, env: Record<string, string> = {}) => {
    const result = await runCli(['doctor', '--json', '--config', file], { env });
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    const find = (prefix: string) => report.checks.filter((c) => c.check.startsWith(prefix));
    return { ...result, report, find };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-doctor-'));
    sshd = await startSshd();
    tailscaled = await startFakeTailscaled();
  });
  afterAll(async () => {
    await tailscaled?.close();
    if (sshd) await disposeSshd(sshd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what works: the Docker engine, a pinned SSH host, tailscaled and tailscale serve', async () => {
    const file = writeConfig('good', {
      state_dir: join(dir, 'state-good'),
      listen: '127.0.0.1:8080', // what the serve config of the fake proxies to
      modules: {
        docker: { enabled: true },
        ssh: { enabled: true, hosts: [hostFor(sshd, 'box')] },
        tailscale: { enabled: true, socket: tailscaled.socketPath },
      },
    });
    const { code, report, find } = await doctor(file);
    expect(find('docker: engine')[0]).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^Docker /),
    });
    expect(find('ssh: host box')[0]).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('login ok'),
    });
    expect(find('tailscale: local daemon')[0]?.status).toBe('ok');
    expect(find('tailscale: serve')[0]).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('127.0.0.1:8080'),
    });
    expect(find('tailscale: admin API')[0]).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('TAILWARDEN_TAILSCALE'),
    });
    expect(find('auth: token')[0]).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('token create'),
    });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });

  it('names what is broken with the exact fix, and exits 1', async () => {
    const file = writeConfig('broken', {
      state_dir: join(dir, 'state-broken'),
      listen: '127.0.0.1:18099',
      modules: {
        docker: { enabled: true, socket: join(dir, 'no-docker.sock') },
        ssh: {
          enabled: true,
          hosts: [
            hostFor(sshd, 'wrongkey', { host_key: `SHA256:${'A'.repeat(43)}` }),
            { ...hostFor(sshd, 'unpinned'), host_key: undefined },
          ].map((h) => JSON.parse(JSON.stringify(h))),
        },
        tailscale: { enabled: true, socket: join(dir, 'no-tailscaled.sock') },
      },
    });
    const { code, report, find } = await doctor(file);
    expect(find('docker: engine')[0]).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('systemctl start docker'),
    });
    expect(find('ssh: host wrongkey')[0]).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(sshd.fingerprint),
    });
    expect(find('ssh: host unpinned')[0]).toMatchObject({
      status: 'fail',
      fix: 'tailwarden hosts trust unpinned (compare the fingerprint with ssh-keygen -lf on the host)',
    });
    expect(find('tailscale: local daemon')[0]).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('tailscale up'),
    });
    expect(report.ok).toBe(false);
    expect(code).toBe(1);
    const text = await runCli(['doctor', '--config', file]);
    expect(text.stdout).toMatch(/^FAIL {2}docker: engine/m);
    expect(text.stdout).toMatch(/fix: /);
  });

  it('checks the running daemon and that it accepts the public host name', async () => {
    const port = await freePort();
    const stateDir = join(dir, 'state-daemon');
    const file = writeConfig('daemon', {
      state_dir: stateDir,
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      modules: { docker: { enabled: false } },
    });
    const serve = await startServe(['--config', file], {});
    try {
      const { find } = await doctor(file);
      expect(find('daemon')[0]).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining(`127.0.0.1:${port}`),
      });
      expect(find('host check')[0]?.status).toBe('ok');
      expect(find('public URL')[0]?.status).toBe('ok');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('stops at a config that does not load, with the reason', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: 18090\n');
    const { code, report } = await doctor(file);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({
      check: 'config',
      status: 'fail',
      detail: expect.stringContaining('"127.0.0.1:18090"'),
    });
    expect(code).toBe(1);
  });
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DebianHost, NODE_DIST, startDebianHost } from '../support/debian-host.ts';
import { buildReleases, npmCacheFor, type Releases } from './releases.ts';

// install.sh run for real, as root, inside a Debian 12 host with systemd as PID 1. One container for the whole
// file: the tests run in order and each starts from the state the previous one left (install → upgrade → failed
// upgrade → uninstall → purge → failed first install → admin variant).
const CONTAINER = `tw-test-deploy-install-${process.pid}`;
const PORT = 8080;
const INSTALL_TIMEOUT = 240_000;

let host: DebianHost;
let releases: Releases;
let baseUrl: string;
let token: string;

// npm in the container trusts what this machine trusts (the bundle copied in by startDebianHost), and prefers the
// cache of the release's dependencies handed in by beforeAll over the registry.
const NPM_ENV = {
  npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
  npm_config_cache: '/root/npm-cache',
  npm_config_prefer_offline: 'true',
};

async function install(...args: string[]) {
  return host.exec(['bash', '/root/install.sh', '--yes', ...args], NPM_ENV);
}

async function health(): Promise<{ status: string; version: string }> {
  const res = await fetch(`${baseUrl}/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; version: string };
}

async function mcpToolCall(bearer: string) {
  const client = new Client({ name: 'install-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: 'system_status', arguments: {} });
    return { tools: tools.map((t) => t.name), result };
  } finally {
    await client.close();
  }
}

async function exposure(): Promise<number> {
  const out = await host.check(['systemd-analyze', 'security', '--no-pager', 'tailwarden.service']);
  const match = /Overall exposure level for tailwarden\.service: ([\d.]+)/.exec(out);
  if (!match) throw new Error(`no exposure figure in:\n${out}`);
  return Number(match[1]);
}

const isActive = async () =>
  (await host.exec(['systemctl', 'is-active', 'tailwarden.service'])).stdout.trim();
const exists = async (path: string) => (await host.exec(['test', '-e', path])).code === 0;

beforeAll(async () => {
  // allSettled, so that afterAll can clean up whichever half succeeded when the other failed.
  const [built, started] = await Promise.allSettled([
    buildReleases(),
    startDebianHost({ name: CONTAINER, publish: [PORT], withNode: true }),
  ]);
  if (built.status === 'fulfilled') releases = built.value;
  if (started.status === 'fulfilled') host = started.value;
  if (built.status === 'rejected') throw built.reason;
  if (started.status === 'rejected') throw started.reason;
  baseUrl = `http://127.0.0.1:${await host.hostPort(PORT)}`;
  await host.copyIn(await npmCacheFor(releases.current.file), '/root/npm-cache');
  await host.copyIn('install.sh', '/root/install.sh');
  for (const release of [releases.current, releases.next, releases.broken]) {
    await host.copyIn(release.file, `/root/${release.version}.tgz`);
  }
}, 300_000);

afterAll(async () => {
  await host?.remove();
  releases?.cleanup();
});

describe('install.sh on Debian 12 with systemd', () => {
  it(
    'installs from a release tarball, starts a hardened unit as tailwarden, and a CLI token works over MCP',
    async () => {
      const run = await install(
        '--from',
        `/root/${releases.current.version}.tgz`,
        '--node',
        `${NODE_DIST}/bin/node`,
        '--listen',
        `0.0.0.0:${PORT}`,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`tailwarden ${releases.current.version} is running`);
      expect(run.stdout).toContain('tailscale serve --bg --https=443 http://127.0.0.1:8080');
      expect(run.stdout).toContain('tailwarden token create');

      expect(await isActive()).toBe('active');
      expect(await health()).toMatchObject({ status: 'ok', version: releases.current.version });
      const pid = (await host.check(['systemctl', 'show', '-P', 'MainPID', 'tailwarden.service'])).trim();
      expect((await host.check(['ps', '-o', 'user=', '-p', pid])).trim()).toBe('tailwarden');

      await host.check(['systemd-analyze', 'verify', '/etc/systemd/system/tailwarden.service']);
      const score = await exposure();
      console.log(`systemd-analyze security tailwarden (default unit): exposure ${score}`);
      expect(score).toBeLessThan(2);

      const modes = await host.check([
        'stat',
        '-c',
        '%n %a %U:%G',
        '/etc/tailwarden',
        '/etc/tailwarden/config.yaml',
        '/etc/tailwarden/tailwarden.env',
        '/var/lib/tailwarden',
      ]);
      expect(modes.trim().split('\n')).toEqual([
        '/etc/tailwarden 750 root:tailwarden',
        '/etc/tailwarden/config.yaml 640 root:tailwarden',
        '/etc/tailwarden/tailwarden.env 600 root:root',
        '/var/lib/tailwarden 700 tailwarden:tailwarden',
      ]);

      // The installed CLI, run as root, acts as the service user on the service's state.
      const created = JSON.parse(
        await host.check([
          'tailwarden',
          'token',
          'create',
          '--name',
          'install-test',
          '--role',
          'viewer',
          '--json',
        ]),
      ) as { token: string };
      token = created.token;
      const stateFiles = await host.check(['stat', '-c', '%U', '/var/lib/tailwarden/tailwarden.db']);
      expect(stateFiles.trim()).toBe('tailwarden');
      const { tools, result } = await mcpToolCall(token);
      expect(tools).toContain('system_status');
      expect(result.isError).toBeFalsy();
    },
    INSTALL_TIMEOUT,
  );

  it(
    'a second run upgrades in place, keeps config, state and the previous version',
    async () => {
      const configBefore = await host.check(['cat', '/etc/tailwarden/config.yaml']);
      const run = await install('--from', `/root/${releases.next.version}.tgz`);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(
        `upgrading tailwarden ${releases.current.version} -> ${releases.next.version}`,
      );
      expect(await health()).toMatchObject({ version: releases.next.version });
      expect(await host.check(['cat', '/etc/tailwarden/config.yaml'])).toBe(configBefore);
      expect((await host.check(['readlink', '/opt/tailwarden/current'])).trim()).toBe(releases.next.version);
      expect(await exists(`/opt/tailwarden/${releases.current.version}/bin/tailwarden.js`)).toBe(true);
      // State survived: the token made before the upgrade still works.
      expect((await mcpToolCall(token)).result.isError).toBeFalsy();
    },
    INSTALL_TIMEOUT,
  );

  it(
    'an upgrade whose new version does not come up is rolled back to the running one',
    async () => {
      const run = await install('--from', `/root/${releases.broken.version}.tgz`);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`tailwarden ${releases.broken.version} did not answer`);
      expect(run.stderr).toContain(`rolled back: tailwarden ${releases.next.version} is running again`);
      expect(await health()).toMatchObject({ version: releases.next.version });
      expect((await host.check(['readlink', '/opt/tailwarden/current'])).trim()).toBe(releases.next.version);
      expect(await exists(`/opt/tailwarden/${releases.broken.version}`)).toBe(false);
    },
    INSTALL_TIMEOUT,
  );

  it('--uninstall removes the service and the code, and keeps config and state', {
    timeout: 120_000,
  }, async () => {
    const run = await install('--uninstall');
    expect(run.code, run.stderr).toBe(0);
    expect(await isActive()).not.toBe('active');
    for (const gone of [
      '/etc/systemd/system/tailwarden.service',
      '/opt/tailwarden',
      '/usr/local/bin/tailwarden',
    ])
      expect(await exists(gone), gone).toBe(false);
    for (const kept of [
      '/etc/tailwarden/config.yaml',
      '/etc/tailwarden/tailwarden.env',
      '/var/lib/tailwarden/tailwarden.db',
    ])
      expect(await exists(kept), kept).toBe(true);
  });

  it('--uninstall --purge removes config, state and the user', { timeout: 120_000 }, async () => {
    const run = await install('--uninstall', '--purge');
    expect(run.code, run.stderr).toBe(0);
    for (const gone of ['/etc/tailwarden', '/var/lib/tailwarden'])
      expect(await exists(gone), gone).toBe(false);
    expect((await host.exec(['id', 'tailwarden'])).code).not.toBe(0);
  });

  it(
    'a first install that cannot start says why and leaves nothing installed',
    async () => {
      // 192.0.2.1 (TEST-NET-1) is on no interface: the config is valid, but listen() fails with EADDRNOTAVAIL.
      const run = await install(
        '--from',
        `/root/${releases.current.version}.tgz`,
        '--node',
        `${NODE_DIST}/bin/node`,
        '--listen',
        '192.0.2.1:8080',
      );
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('did not answer on http://192.0.2.1:8080/health');
      expect(run.stderr).toContain('what to do:');
      expect(run.stderr).toContain('nothing is left installed');
      expect(await isActive()).not.toBe('active');
      for (const gone of [
        '/etc/systemd/system/tailwarden.service',
        '/opt/tailwarden',
        '/usr/local/bin/tailwarden',
        '/etc/tailwarden',
        '/var/lib/tailwarden',
      ])
        expect(await exists(gone), gone).toBe(false);
      expect((await host.exec(['id', 'tailwarden'])).code).not.toBe(0);
    },
    INSTALL_TIMEOUT,
  );

  it(
    '--enable-admin-actions adds the admin drop-in and a sudoers file that validates',
    async () => {
      const run = await install(
        '--from',
        `/root/${releases.current.version}.tgz`,
        '--node',
        `${NODE_DIST}/bin/node`,
        '--listen',
        `0.0.0.0:${PORT}`,
        '--enable-admin-actions',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(await health()).toMatchObject({ status: 'ok' });
      expect(await exists('/etc/systemd/system/tailwarden.service.d/admin.conf')).toBe(true);
      await host.check(['visudo', '-c', '-f', '/etc/sudoers.d/tailwarden']);
      const allowed = await host.check(['sudo', '-l', '-U', 'tailwarden']);
      expect(allowed).toContain('NEEDRESTART_MODE=a /usr/bin/apt-get -q -y');
      const environment = await host.check(['systemctl', 'show', '-p', 'Environment', 'tailwarden.service']);
      expect(environment).toContain('TAILWARDEN_MODULES_SYSTEM_PACKAGE_SUDO=true');
      const score = await exposure();
      console.log(`systemd-analyze security tailwarden (--enable-admin-actions): exposure ${score}`);
      expect(score).toBeGreaterThan(0);
    },
    INSTALL_TIMEOUT,
  );
});

import { spawnSync } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptCommand } from '../../src/modules/system/apt-commands.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { DEBIAN_IMAGE } from '../support/debian-host.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';
import { publishAptRepo, SystemdHost } from './systemd-host.ts';

describe('aptCommand: the argv shapes the sudoers file allows', () => {
  it('builds sudo -n /usr/bin/env ... /usr/bin/apt-get with names after --', () => {
    expect(aptCommand('install', ['nginx', 'curl=7.88.1-10'], true)).toEqual([
      'sudo',
      '-n',
      '/usr/bin/env',
      'DEBIAN_FRONTEND=noninteractive',
      'NEEDRESTART_MODE=a',
      '/usr/bin/apt-get',
      '-q',
      '-y',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      '-o',
      'DPkg::Lock::Timeout=60',
      'install',
      '--no-install-recommends',
      '--',
      'nginx',
      'curl=7.88.1-10',
    ]);
    expect(aptCommand('update', [], false).slice(0, 4)).toEqual([
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'NEEDRESTART_MODE=a',
      'apt-get',
    ]);
  });

  it('refuses option-like or spaced names and names where none belong', () => {
    for (const bad of [['-oAPT::x=1'], ['a b'], ['A'], ['x;id']])
      expect(() => aptCommand('install', bad, true)).toThrow(/Not valid package names/);
    expect(() => aptCommand('remove', [], true)).toThrow(/needs at least one package/);
    expect(() => aptCommand('update', ['x'], true)).toThrow(/takes no package names/);
  });
});

describe('sudo -n apt-get as the tailwarden user on a real Debian 12 host', () => {
  const host = new SystemdHost(DEBIAN_IMAGE);
  let gw: TestGateway | undefined;

  /** Run argv inside the host as the unprivileged service user, the way the daemon runs it. */
  const asTailwarden = (argv: string[]) => {
    const r = spawnSync('docker', ['exec', '-u', 'tailwarden', host.name, ...argv], { encoding: 'utf8' });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const installedVersion = () =>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
    host.exec(['dpkg-query', '-W', '-f=${db:Status-Abbrev}${Version}', 'tw-sudo-hello'], true).trim();

  beforeAll(() => {
    host.start();
    host.exec(['useradd', '--system', '--shell', '/usr/sbin/nologin', 'tailwarden']);
    host.copyIn('systemd/sudoers.d/tailwarden', '/etc/sudoers.d/tailwarden');
    host.exec(['chmod', '0440', '/etc/sudoers.d/tailwarden']);
    publishAptRepo(host, 'tw-sudo-hello', ['1.0']);
  });
  afterAll(async () => {
    await gw?.close();
    host.stop();
  });

  it('the shipped sudoers file validates and lists only the apt-get forms', () => {
    expect(host.exec(['visudo', '-c', '-f', '/etc/sudoers.d/tailwarden'])).toContain('parsed OK');
    const listed = host.exec(['sudo', '-l', '-U', 'tailwarden']);
    expect(listed).toContain('/usr/bin/apt-get');
    expect(listed).not.toMatch(/\bALL\s*$/m);
  });

  it('runs the module’s own update, install (plain and pinned), upgrade and remove argv through sudo -n', () => {
    const run = (argv: string[]) => {
      const r = asTailwarden(argv);
      expect(r.code, r.out).toBe(0);
      return r.out;
    };
    expect(asTailwarden(['id', '-u']).out.trim()).not.toBe('0');
    run(aptCommand('update', [], true));
    expect(run(aptCommand('install', ['tw-sudo-hello'], true))).toContain('Setting up tw-sudo-hello (1.0)');
    expect(installedVersion()).toBe('ii 1.0');

    publishAptRepo(host, 'tw-sudo-hello', ['1.0', '1.1', '1.2']);
    run(aptCommand('update', [], true));
    run(aptCommand('install', ['tw-sudo-hello=1.1'], true));
    expect(installedVersion()).toBe('ii 1.1');
    expect(run(aptCommand('upgrade', [], true))).toContain('Setting up tw-sudo-hello (1.2)');
    expect(installedVersion()).toBe('ii 1.2');

    expect(run(aptCommand('remove', ['tw-sudo-hello'], true))).toContain('Removing tw-sudo-hello (1.2)');
    expect(installedVersion()).not.toMatch(/^ii/);
  });

  it('refuses every command outside those forms, and none of them runs anything', () => {
    const marker = '/tmp/tw-sudo-pwned';
    const hook = `APT::Update::Pre-Invoke::=touch ${marker}`;
    const update = aptCommand('update', [], true);
    const install = aptCommand('install', ['tw-sudo-hello'], true);
    const withName = (name: string) => [...install.slice(0, -1), name];
    const refused: string[][] = [
      ['sudo', '-n', '/usr/bin/apt-get', '-o', hook, 'update'],
      ['sudo', '-n', '/usr/bin/apt-get', '-q', '-y', 'update'],
      [...update.slice(0, -1), '-o', hook, 'update'],
      [...update, 'upgrade'],
      withName(`-o${hook}`),
      withName(`tw-sudo-hello -o${hook}`),
      withName('tw-sudo-hello/bookworm'),
      [...install, '-c', '/tmp/apt.conf'],
      install.filter((a) => a !== '--'),
      install.map((a) =>
        a.startsWith('DEBIAN_FRONTEND=') ? 'DEBIAN_FRONTEND=noninteractive; BEGIN { system "id" } #' : a,
      ),
      ['sudo', '-n', '-E', ...update.slice(2)],
      ['sudo', '-n', '/bin/sh', '-c', `touch ${marker}`],
      ['sudo', '-n', '/usr/bin/env', `/usr/bin/touch`, marker],
    ];
    for (const argv of refused) {
      const r = asTailwarden(argv);
      expect(r.code, `${argv.join(' ')} was allowed:\n${r.out}`).not.toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/sudo: (a password is required|sorry, you are not allowed)/);
    }
    expect(host.exec(['ls', '/tmp'])).not.toContain('tw-sudo-pwned');
  });

  it('the package tools work through sudo with package_sudo on, and say what to fix when sudo refuses', async () => {
    const gateway = async (prefix: string[], packageSudo: boolean) => {
      await gw?.close();
      gw = await startTestGateway({
        modules: [systemModule as ToolModule],
        config: {
          modules: { system: { exec_prefix: prefix, package_sudo: packageSudo } },
          policy: { high: 'allow', critical: 'allow' },
        },
      });
      return gw.client(await gw.token({ role: 'admin' }));
    };
    let client: Client = await gateway(['docker', 'exec', '-u', 'tailwarden', host.name], true);
    const installed = await ok(client, 'system_packages_install', { packages: ['tw-sudo-hello=1.2'] });
    expect(installed.changes).toContainEqual({ name: 'tw-sudo-hello', version: '1.2', action: 'installed' });
    const removed = await ok(client, 'system_packages_remove', { packages: ['tw-sudo-hello'] });
    expect(removed.changes).toContainEqual({ name: 'tw-sudo-hello', version: '1.2', action: 'removed' });

    // A user with no sudoers rule: sudo -n says a password is required.
    client = await gateway(['docker', 'exec', '-u', 'nobody', host.name], true);
    const noRule = await fails(client, 'system_packages_check', { refresh: true }, 'ERR_PERMISSION_DENIED');
    expect(noRule).toContain('install.sh --enable-admin-actions');
    expect(noRule).toContain('a password is required');

    // The hardened unit without the admin drop-in: NoNewPrivileges stops sudo.
    client = await gateway(
      ['docker', 'exec', '-u', 'tailwarden', host.name, 'setpriv', '--no-new-privs'],
      true,
    );
    const sandboxed = await fails(client, 'system_packages_upgrade', {}, 'ERR_PERMISSION_DENIED');
    expect(sandboxed).toContain('admin.conf');

    // Not root and package_sudo off: apt-get itself refuses; the error names the option.
    client = await gateway(['docker', 'exec', '-u', 'tailwarden', host.name], false);
    const notRoot = await fails(
      client,
      'system_packages_install',
      { packages: ['tw-sudo-hello'] },
      'ERR_PERMISSION_DENIED',
    );
    expect(notRoot).toContain('package_sudo');
    expect(installedVersion()).not.toMatch(/^ii/);
  });
});

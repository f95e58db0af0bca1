import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { type ContainerHost, createTestNetwork, startContainerHost } from '../support/ssh-host-container.ts';
import { keygen } from '../support/sshd.ts';

type CallResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};
type Status = {
  hosts: { host: string; answered: boolean; failed_units?: string[]; error?: string }[];
  not_answered: string[];
};

const PREFIX = `tw-test-ssh-${process.pid}`;

describe('fleet calls against Debian 12 test hosts (systemd + sshd in containers)', () => {
  let dir: string;
  let removeNetwork: () => void;
  const hosts: ContainerHost[] = [];
  let gw: TestGateway;
  let admin: Client;

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await admin.callTool({ name, arguments: args })) as CallResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-ssh-debian-'));
    const key = join(dir, 'id_ed25519');
    keygen(key);
    removeNetwork = createTestNetwork(`${PREFIX}-net`);
    for (const name of ['nas', 'media'])
      hosts.push(await startContainerHost(`${PREFIX}-${name}`, `${PREFIX}-net`, `${key}.pub`));
    const catalog = join(dir, 'ops.yaml');
    writeFileSync(
      catalog,
      [
        'commands:',
        '  - name: restart_service',
        '    description: Restart a service (sudo; the host allows exactly tw-broken.service).',
        "    argv: [systemctl, restart, --, '{unit}']",
        '    parameters:',
        '      unit: { type: enum, values: [tw-broken.service, ssh.service], description: the unit }',
        '    permission: ssh:exec',
        '    risk: high',
        '    sudo: true',
        '',
      ].join('\n'),
    );
    gw = await startTestGateway({
      modules: [sshModule as ToolModule],
      config: {
        policy: { high: 'allow' },
        modules: {
          ssh: {
            enabled: true,
            catalogs: [catalog],
            // The hung host costs exactly this; the host that is up must answer well within it
            // even on a loaded machine, so it is not a tight bound.
            fleet_timeout: '20s',
            hosts: ['nas', 'media'].map((name, i) => ({
              name,
              address: hosts[i]!.address,
              port: hosts[i]!.port,
              user: hosts[i]!.user,
              key_file: key,
              host_key: hosts[i]!.fingerprint,
            })),
          },
        },
      },
    });
    admin = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    await gw?.close();
    for (const host of hosts) host.remove();
    removeNetwork?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gathers status from both hosts, failed units included', async () => {
    const status = (await call('fleet_status')).structuredContent as Status;
    expect(status.not_answered).toEqual([]);
    for (const host of status.hosts) expect(host.failed_units).toContain('tw-broken.service');
  });

  it('reads service status and logs as the unprivileged user', async () => {
    const statusRun = await call('ssh_command_run', {
      host: 'nas',
      command: 'service_status',
      parameters: { unit: 'ssh.service' },
    });
    expect(statusRun.structuredContent).toMatchObject({ exit_code: 0 });
    expect(statusRun.structuredContent?.stdout).toMatch(/Active: active \(running\)/);
    const logs = await call('ssh_command_run', {
      host: 'nas',
      command: 'service_logs',
      parameters: { unit: 'tw-broken.service', lines: 20 },
    });
    expect(logs.structuredContent?.stdout).toMatch(/tw-broken|Failed/);
  });

  it('restarts the failed service with the one sudo rule the host grants, and nothing else', async () => {
    hosts[0]!.exec('touch', '/run/tw-fixed');
    const denied = await call('ssh_command_exec', {
      host: 'nas',
      command: 'restart_service',
      parameters: { unit: 'ssh.service' },
    });
    expect(denied.structuredContent?.exit_code).toBe(1);
    expect(denied.structuredContent?.stderr).toMatch(/sudo: a password is required/);
    const restart = await call('ssh_command_exec', {
      host: 'nas',
      command: 'restart_service',
      parameters: { unit: 'tw-broken.service' },
    });
    expect(restart.structuredContent).toMatchObject({
      exit_code: 0,
      argv: ['sudo', '-n', '--', 'systemctl', 'restart', '--', 'tw-broken.service'],
    });
    const failed = await call('ssh_command_run', { host: 'nas', command: 'failed_services' });
    expect(failed.structuredContent?.stdout).not.toContain('tw-broken');
  });

  it('answers for the host that is up while the other hangs', async () => {
    hosts[1]!.hang();
    try {
      const status = (await call('fleet_status')).structuredContent as Status;
      expect(status.not_answered).toEqual(['media']);
      expect(status.hosts.find((h) => h.host === 'nas')?.answered).toBe(true);
      expect(status.hosts.find((h) => h.host === 'media')?.error).toMatch(/no answer within 20000 ms/);
    } finally {
      hosts[1]!.resume();
    }
  });
});

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { disposeSshd, freePort, startSshd, type TestSshd } from '../support/sshd.ts';
import { hostFor } from './fleet-support.ts';

type CallResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};

describe('SSH tools over MCP', () => {
  let sshd: TestSshd;
  let gw: TestGateway;
  let viewer: Client;
  let admin: Client;
  let marker: string;

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallResult;

  beforeAll(async () => {
    sshd = await startSshd();
    marker = join(sshd.dir, 'touched');
    const catalog = join(sshd.dir, 'ops.yaml');
    writeFileSync(
      catalog,
      [
        'commands:',
        '  - name: touch_marker',
        '    description: Create the marker file (a stand-in for a change on the host).',
        `    argv: [touch, --, ${marker}]`,
        '    permission: ssh:exec',
        '    risk: high',
        '  - name: power_cycle',
        '    description: A critical stand-in (runs true).',
        "    argv: ['true']",
        '    permission: ssh:exec',
        '    risk: critical',
        '',
      ].join('\n'),
    );
    const deadPort = await freePort();
    gw = await startTestGateway({
      modules: [sshModule as ToolModule],
      config: {
        policy: { high: 'allow', approval_wait: '1s' },
        modules: {
          ssh: {
            enabled: true,
            catalogs: [catalog],
            fleet_timeout: '120s', // liveness only: the dead host refuses at once
            hosts: [
              hostFor(sshd, 'alpha', { tags: ['lab'] }),
              hostFor(sshd, 'dead', { port: deadPort, tags: ['lab'] }),
              hostFor(sshd, 'fresh', { host_key: undefined }),
            ],
          },
        },
      },
    });
    viewer = await gw.client(await gw.token({ role: 'viewer' }));
    admin = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    await gw?.close();
    await disposeSshd(sshd);
  });

  it('lists the tools a role may use', async () => {
    const names = (await viewer.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'ssh_hosts_list',
        'ssh_host_check',
        'ssh_commands_list',
        'ssh_command_run',
        'fleet_status',
      ]),
    );
    expect(names).not.toContain('ssh_command_exec');
    expect((await admin.listTools()).tools.map((t) => t.name)).toContain('ssh_command_exec');
  });

  it('lists hosts with their pin state and catalog commands with the tool that runs them', async () => {
    const hosts = (await call(viewer, 'ssh_hosts_list')).structuredContent as {
      hosts: { name: string; pinned: boolean; pin_source?: string }[];
    };
    expect(hosts.hosts.map((h) => [h.name, h.pinned, h.pin_source ?? 'none'])).toEqual([
      ['alpha', true, 'config'],
      ['dead', true, 'config'],
      ['fresh', false, 'none'], // not pinned: no source (absent, not null)
    ]);
    const commands = (await call(viewer, 'ssh_commands_list')).structuredContent as {
      commands: { name: string; tool: string; parameters: Record<string, unknown> }[];
    };
    expect(commands.commands.find((c) => c.name === 'disk_usage')?.tool).toBe('ssh_command_run');
    expect(commands.commands.find((c) => c.name === 'touch_marker')?.tool).toBe('ssh_command_exec');
    expect(commands.commands.find((c) => c.name === 'service_logs')?.parameters.lines).toMatchObject({
      type: 'integer',
      min: 1,
      max: 5000,
    });
  });

  it('runs a read-only command, and audits it', async () => {
    const result = await call(viewer, 'ssh_command_run', { host: 'alpha', command: 'os_release' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ host: 'alpha', exit_code: 0, truncated: false });
    expect(result.structuredContent?.stdout).toMatch(/^NAME=|^PRETTY_NAME=|ID=/m);
    const records = await gw.auditRecords();
    expect(
      records.some((r) => r.event === 'tool.outcome' && r.tool === 'ssh_command_run' && r.outcome === 'ok'),
    ).toBe(true);
  });

  it('refuses injection attempts with a clear error, before anything runs', async () => {
    for (const unit of ['; rm -rf /', '$(id)', '`id`', 'a\nb', '-H', '../x']) {
      const result = await call(viewer, 'ssh_command_run', {
        host: 'alpha',
        command: 'service_status',
        parameters: { unit },
      });
      expect(result.isError, unit).toBe(true);
      expect(result.content[0]!.text).toMatch(/^\[ERR_INPUT_REJECTED\] service_status: parameter "unit"/);
    }
  });

  it('keeps changing commands out of the read-only tool and away from callers without the permission', async () => {
    const viaRun = await call(admin, 'ssh_command_run', { host: 'alpha', command: 'touch_marker' });
    expect(viaRun.isError).toBe(true);
    expect(viaRun.content[0]!.text).toMatch(/high-risk command; run it with ssh_command_exec/);
    const viewerExec = await call(viewer, 'ssh_command_exec', { host: 'alpha', command: 'touch_marker' });
    expect(viewerExec.content[0]!.text).toMatch(/ERR_PERMISSION_DENIED/);
    expect(existsSync(marker)).toBe(false);
    const ok = await call(admin, 'ssh_command_exec', { host: 'alpha', command: 'touch_marker' });
    expect(ok.structuredContent).toMatchObject({ exit_code: 0, argv: ['touch', '--', marker] });
    expect(existsSync(marker)).toBe(true);
  });

  it('routes critical entries to the critical tool, where the critical policy (approval) applies', async () => {
    const viaExec = await call(admin, 'ssh_command_exec', { host: 'alpha', command: 'power_cycle' });
    expect(viaExec.content[0]!.text).toMatch(/critical-risk command; run it with ssh_command_run_critical/);
    const critical = await call(admin, 'ssh_command_run_critical', { host: 'alpha', command: 'power_cycle' });
    expect(critical.isError).toBe(true);
    // The default critical rule is `approve`: nothing runs until a human approves this exact call.
    expect(critical.content[0]!.text).toMatch(/^\[ERR_APPROVAL_PENDING\]/);
  });

  it('names unknown hosts and commands, and refuses an unpinned host', async () => {
    const host = await call(viewer, 'ssh_command_run', { host: 'alpah', command: 'uptime' });
    expect(host.content[0]!.text).toMatch(/Unknown host "alpah".*alpha/);
    const command = await call(viewer, 'ssh_command_run', { host: 'alpha', command: 'rm' });
    expect(command.content[0]!.text).toMatch(/Unknown command "rm".*ssh_commands_list/);
    const fresh = await call(viewer, 'ssh_command_run', { host: 'fresh', command: 'uptime' });
    expect(fresh.content[0]!.text).toMatch(/ERR_HOST_KEY_UNTRUSTED.*tailwarden hosts trust fresh/);
  });

  it('checks a host and gathers fleet status, naming the host that did not answer', async () => {
    const check = await call(viewer, 'ssh_host_check', { host: 'alpha' });
    expect(check.structuredContent).toMatchObject({ reachable: true, key_matches: true, login_ok: true });
    const dead = await call(viewer, 'ssh_host_check', { host: 'dead' });
    expect(dead.structuredContent).toMatchObject({ reachable: false, login_ok: false });
    const status = (await call(viewer, 'fleet_status', { tag: 'lab' })).structuredContent as {
      hosts: { host: string; answered: boolean }[];
      not_answered: string[];
    };
    expect(status.hosts.map((h) => [h.host, h.answered])).toEqual([
      ['alpha', true],
      ['dead', false],
    ]);
    expect(status.not_answered).toEqual(['dead']);
  });
});

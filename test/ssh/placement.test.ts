import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { disposeSshd, freePort, startSshd, type TestSshd } from '../support/sshd.ts';
import { hostFor } from './fleet-support.ts';

describe('fleet_pick_host: placement from live status, cited by a deploy', { timeout: 180_000 }, () => {
  let sshd: TestSshd;
  let gw: TestGateway;
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as {
      isError?: boolean;
      content: { text: string }[];
      // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
      structuredContent?: any;
    };
    return {
      isError: result.isError === true,
      text: result.content[0]?.text ?? '',
      data: result.structuredContent,
    };
  };

  beforeAll(async () => {
    sshd = await startSshd();
    gw = await startTestGateway({
      modules: [sshModule as ToolModule, dockerModule as ToolModule],
      config: {
        policy: { high: 'allow', critical: 'allow' },
        modules: {
          docker: { enabled: true, allowed_git_hosts: ['local'] },
          ssh: {
            enabled: true,
            // A generous liveness bound: on a loaded machine one status takes seconds.
            fleet_timeout: '90s',
            hosts: [
              hostFor(sshd, 'engine', { docker: true, tags: ['lab'] }),
              hostFor(sshd, 'plain', { tags: ['lab'] }),
              // Nothing listens there: a host that is down.
              hostFor(sshd, 'gone', { port: await freePort(), tags: ['lab'] }),
            ],
          },
        },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    await gw?.close();
    await disposeSshd(sshd);
  });

  it('ranks the hosts that answer, excludes the others with why, and audits the pick', async () => {
    const { data, isError, text } = await call('fleet_pick_host', { tag: 'lab', docker: true });
    expect(isError, text).toBe(false);
    expect(data.pick).toMatchObject({
      host: 'engine',
      pick_id: expect.stringMatching(/^pick-[a-f0-9]{12}$/),
    });
    expect(data.ranked.map((r: { host: string }) => r.host)).toEqual(['engine']);
    const [engine] = data.ranked;
    expect(engine.cpus).toBeGreaterThan(0);
    expect(engine.free_memory_bytes).toBeGreaterThan(0);
    expect(engine.reasons[0]).toMatch(/cores free \(load [\d.]+\)$/);
    expect(data.excluded).toEqual([
      { host: 'plain', reason: 'docker is not enabled for it (docker: true in modules.ssh.hosts)' },
      { host: 'gone', reason: expect.stringMatching(/^did not answer: .*refused the connection/) },
    ]);
    expect(data.history).toContain('live status only');

    const records = await gw.auditRecords();
    const placement = records.find((r) => r.event === 'fleet.placement');
    expect(placement).toMatchObject({
      pick_id: data.pick.pick_id,
      host: 'engine',
      reasons: engine.reasons,
      ranking: [{ host: 'engine', score: engine.score }],
      excluded: data.excluded,
    });
    const decision = records.find((r) => r.event === 'tool.decision' && r.tool === 'fleet_pick_host');
    expect(placement!.call_id).toBe(decision!.call_id);
  });

  it('returns no pick when no host can take the workload', async () => {
    const { data } = await call('fleet_pick_host', { hosts: ['engine', 'plain'], min_memory_mb: 16_000_000 });
    expect(data.pick).toBeUndefined(); // absent, as the listed output schema says
    expect(data.excluded.map((e: { reason: string }) => e.reason)).toEqual([
      expect.stringMatching(/^only .* memory free \(needs 15.3 TiB\)$/),
      expect.stringMatching(/^only .* memory free/),
    ]);
    const unknown = await call('fleet_pick_host', { hosts: ['nope'] });
    expect(unknown.text).toContain('Unknown host "nope"');
  });

  it('holds a deploy citing the pick to the host it chose', async () => {
    const { data } = await call('fleet_pick_host', { docker: true, hosts: ['engine', 'plain'] });
    const elsewhere = await call('docker_stack_deploy', {
      name: 'placed',
      repository: '/nonexistent/repo.git',
      placement: data.pick.pick_id,
    });
    expect(elsewhere.text).toContain(`chose host engine, but the call names no host`);
    const made_up = await call('docker_stack_deploy', {
      host: 'engine',
      name: 'placed',
      repository: '/nonexistent/repo.git',
      placement: 'pick-000000000000',
    });
    expect(made_up.text).toContain('call fleet_pick_host again');
    // With the chosen host the placement is accepted, and the deploy goes on (to fail cloning here).
    const placed = await call('docker_stack_deploy', {
      host: 'engine',
      name: 'placed',
      repository: '/nonexistent/repo.git',
      placement: data.pick.pick_id,
    });
    expect(placed.text).toContain('git clone failed');
    const audited = (await gw.auditRecords()).findLast(
      (r) => r.event === 'tool.decision' && r.tool === 'docker_stack_deploy',
    );
    expect(audited!.args).toMatchObject({ host: 'engine', placement: data.pick.pick_id });
  });
});

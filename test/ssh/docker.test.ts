import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { dockerForHost } from '../../src/modules/ssh/docker.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway } from '../support/gateway.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { hostFor, testFleet } from './fleet-support.ts';

const CONTAINER = `tw-test-ssh-${process.pid}`;

describe('Docker over SSH (docker system dial-stdio on the host, over the pinned pooled connection)', () => {
  let sshd: TestSshd;
  let t: ReturnType<typeof testFleet>;

  beforeAll(async () => {
    sshd = await startSshd();
    t = testFleet({
      hosts: [hostFor(sshd, 'engine', { docker: true }), hostFor(sshd, 'nodocker')],
      max_concurrent_per_host: 3,
    });
    // A network of our own: it does not depend on the default bridge.
    execFileSync('docker', ['network', 'create', '--label', 'tw-test=ssh', `${CONTAINER}-net`]);
    execFileSync('docker', [
      'run',
      '-d',
      '--network',
      `${CONTAINER}-net`,
      '--name',
      CONTAINER,
      '--label',
      'tw-test=ssh',
      'tailwarden-test-busybox:latest',
      'sleep',
      '300',
    ]);
  });
  afterAll(async () => {
    execFileSync('docker', ['rm', '-f', CONTAINER], { stdio: 'ignore' });
    execFileSync('docker', ['network', 'rm', `${CONTAINER}-net`], { stdio: 'ignore' });
    await t.close();
    await disposeSshd(sshd);
  });

  it('talks to the engine through the host: version, containers, inspect, concurrent pings', async () => {
    const docker = dockerForHost(t.fleet, 'engine');
    const version = await docker.version();
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/);
    const containers = await docker.listContainers({ filters: { label: ['tw-test=ssh'] } });
    expect(containers.map((c) => c.Names[0])).toContain(`/${CONTAINER}`);
    const info = await docker.getContainer(CONTAINER).inspect();
    expect(info.State.Running).toBe(true);
    // Several requests at once share the pool's slots for the host and all complete.
    const many = await Promise.all(Array.from({ length: 6 }, () => docker.ping()));
    expect(many.map(String)).toEqual(Array(6).fill('OK'));
    expect(t.fleet.pool.status('engine').connected).toBe(true);
  });

  it('is refused for a host without docker: true, and for an unknown host', () => {
    expect(() => dockerForHost(t.fleet, 'nodocker')).toThrow(/docker: true/);
    expect(() => dockerForHost(t.fleet, 'nope')).toThrow(/Unknown host "nope"/);
  });

  it('lets every docker engine tool take a fleet host, through the gateway', async () => {
    const gw = await startTestGateway({
      modules: [dockerModule as ToolModule, sshModule as ToolModule],
      config: {
        modules: {
          docker: { enabled: true },
          ssh: {
            enabled: true,
            hosts: [hostFor(sshd, 'engine', { docker: true }), hostFor(sshd, 'nodocker')],
          },
        },
      },
    });
    try {
      const client = await gw.client(await gw.token({ role: 'viewer' }));
      const listed = await client.callTool({
        name: 'docker_container_list',
        arguments: { host: 'engine', label: ['tw-test=ssh'] },
      });
      expect(listed.isError).toBeFalsy();
      expect(JSON.stringify(listed.structuredContent)).toContain(CONTAINER);

      const refused = await client.callTool({
        name: 'docker_container_list',
        arguments: { host: 'nodocker' },
      });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain('docker: true');

      const unknown = await client.callTool({ name: 'docker_container_list', arguments: { host: 'nope' } });
      expect(unknown.isError).toBe(true);
      expect(JSON.stringify(unknown.content)).toContain('nope');

      // Stacks take a host too (shipped over SFTP, compose run there: test/docker/stacks-host.test.ts).
      const stacks = await client.listTools();
      const stackList = stacks.tools.find((t) => t.name === 'docker_stack_list')!;
      expect(Object.keys(stackList.inputSchema.properties ?? {})).toContain('host');
    } finally {
      await gw.close();
    }
  });
});

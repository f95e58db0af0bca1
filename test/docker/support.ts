export { waitFor } from '../support/wait.ts';

import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Docker from 'dockerode';
import { dockerModule } from '../../src/modules/docker/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

export const SOCKET = '/var/run/docker.sock';
export const BUSYBOX = 'tailwarden-test-busybox:latest';
export const engine = new Docker({ socketPath: SOCKET });

export interface ToolResult {
  isError?: boolean;
  content: { type: string; text: string }[];
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  structuredContent?: any;
}

/** A unique prefix per test file run, so parallel engineers' objects never collide. */
export function testPrefix(topic: string): string {
  return `tw-test-docker-${topic}-${randomBytes(3).toString('hex')}`;
}

export interface DockerHarness {
  gw: TestGateway;
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Call and return structuredContent; fail the test with the error text otherwise. */
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  ok(name: string, args?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

export async function startDockerHarness(
  options: { config?: Record<string, unknown>; role?: string } = {},
): Promise<DockerHarness> {
  const gw = await startTestGateway({
    modules: [dockerModule as ToolModule],
    config: {
      policy: { high: 'allow', critical: 'allow' },
      ...options.config,
    },
  });
  const client = await gw.client(await gw.token({ role: options.role ?? 'admin' }));
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as ToolResult;
  return {
    gw,
    client,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
      return result.structuredContent;
    },
    close: () => gw.close(),
  };
}

/** Create (and by default start) a busybox container labelled with the prefix for cleanup. */
export async function runContainer(
  prefix: string,
  name: string,
  options: Partial<Docker.ContainerCreateOptions> & { start?: boolean } = {},
): Promise<Docker.Container> {
  const { start = true, ...create } = options;
  const container = await engine.createContainer({
    Image: BUSYBOX,
    Cmd: ['sleep', '3600'],
    StopTimeout: 1, // sleep as PID 1 ignores SIGTERM; do not wait 10 s for the SIGKILL
    ...create,
    name: `${prefix}-${name}`,
    Labels: { 'tw-test': prefix, ...create.Labels },
    HostConfig: { NetworkMode: 'none', ...create.HostConfig },
  });
  if (start) await container.start();
  return container;
}

/** Remove every container, network, volume and image tag made under the prefix. */
export async function cleanup(prefix: string): Promise<void> {
  const containers = await engine.listContainers({ all: true });
  await Promise.all(
    containers
      .filter((c) => c.Labels?.['tw-test'] === prefix || c.Names.some((n) => n.includes(prefix)))
      .map((c) =>
        engine
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
  );
  for (const n of await engine.listNetworks()) {
    if (n.Name.includes(prefix))
      await engine
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
  }
  for (const v of (await engine.listVolumes()).Volumes ?? []) {
    if (v.Name.includes(prefix))
      await engine
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined);
  }
  for (const i of await engine.listImages()) {
    for (const tag of i.RepoTags ?? []) {
      if (tag.includes(prefix))
        await engine
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
    }
  }
  // Images committed from this test's containers carry its label; once a newer commit takes their
  // tag they are dangling and the loop above no longer sees them (they piled up run after run).
  for (const i of await engine.listImages({ filters: { label: [`tw-test=${prefix}`] } }))
    await engine
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUSYBOX,
  cleanup,
  type DockerHarness,
  engine,
  runContainer,
  startDockerHarness,
  testPrefix,
} from './support.ts';

const prefix = testPrefix('upd');
const tag = `${prefix}-svc:current`;
const name = `${prefix}-svc`;

/**
 * A "newer image" without a registry: commit a new image from busybox and
 * move the container's tag onto it, then update with pull: false (the tag is
 * resolved locally). The pull step itself is covered against a loopback
 * registry address where nothing listens.
 */
async function buildAndTag(changes: string[], healthcheck?: string[]): Promise<string> {
  // A commit takes the container's config as the image's: that is how the image gets a HEALTHCHECK.
  const base = await engine.createContainer({
    Image: BUSYBOX,
    Labels: { 'tw-test': prefix },
    ...(healthcheck
      ? { Healthcheck: { Test: healthcheck, Interval: 500_000_000, Timeout: 1_000_000_000, Retries: 1 } }
      : {}),
  });
  // Tagged at commit, so it is never dangling (another test may prune dangling images meanwhile).
  const { Id } = (await base.commit({ repo: `${prefix}-svc`, tag: 'current', changes })) as { Id: string };
  await base.remove();
  return Id;
}

async function exec(container: string, cmd: string[]): Promise<string> {
  const e = await engine.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
  });
  return Buffer.concat(chunks).toString('utf8');
}

describe('docker_container_update on a real engine', () => {
  let h: DockerHarness;
  let v1: string;
  let anonymous: string;

  beforeAll(async () => {
    h = await startDockerHarness({
      // The health deadline is liveness only: no test here waits for it to run out.
      config: { modules: { docker: { update_settle: '1s', update_health_timeout: '120s' } } },
    });
    v1 = await buildAndTag(['CMD ["sleep", "3600"]', 'LABEL version=1', 'ENV FROM_IMAGE=1']);
    await engine.createNetwork({ Name: `${prefix}-net` });
    await runContainer(prefix, 'svc', {
      Image: tag,
      Cmd: undefined,
      Env: ['APP_MODE=prod', 'DB_PASSWORD=hunter2'],
      Labels: { 'com.example.role': 'web' },
      Volumes: { '/anon': {} },
      StopTimeout: 1,
      HostConfig: {
        NetworkMode: `${prefix}-net`,
        Binds: [`${prefix}-data:/data`],
        RestartPolicy: { Name: 'unless-stopped' },
      },
      NetworkingConfig: { EndpointsConfig: { [`${prefix}-net`]: { Aliases: ['svc-alias'] } } },
    });
    await exec(name, ['sh', '-c', 'echo kept > /data/file; echo anon > /anon/file']);
    anonymous = (await engine.getContainer(name).inspect()).Mounts.find((m) => m.Destination === '/anon')!
      .Name!;
  });
  afterAll(async () => {
    await h?.close();
    await cleanup(prefix);
    // After an update the anonymous volume is mounted by name, so removing the container no longer removes it.
    await engine
      .getVolume(anonymous)
      .remove()
      .catch(() => undefined);
  });

  it('recreates the container on the newer image with the same settings and data', async () => {
    const v2 = await buildAndTag(['CMD ["sleep", "3600"]', 'LABEL version=2', 'ENV FROM_IMAGE=2']);
    const before = await engine.getContainer(name).inspect();
    const result = await h.ok('docker_container_update', { container: name, pull: false });
    expect(result).toMatchObject({
      container: name,
      image: tag,
      updated: true,
      previous_image_id: v1,
      image_id: v2,
      health: 'none',
    });

    const after = await engine.getContainer(name).inspect();
    expect(after.Id).not.toBe(before.Id);
    expect(after.Image).toBe(v2);
    expect(after.Config.Env).toEqual(
      expect.arrayContaining(['APP_MODE=prod', 'DB_PASSWORD=hunter2', 'FROM_IMAGE=2']),
    );
    expect(after.Config.Labels).toMatchObject({ 'com.example.role': 'web', version: '2' });
    expect(after.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(after.NetworkSettings.Networks[`${prefix}-net`]?.Aliases).toContain('svc-alias');
    expect(after.Mounts.map((m) => m.Name).sort()).toEqual(before.Mounts.map((m) => m.Name).sort());
    const files = await exec(name, ['cat', '/data/file', '/anon/file']);
    expect(files).toContain('kept');
    expect(files).toContain('anon');
    await expect(engine.getContainer(before.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('does nothing when the container already runs the newest image', async () => {
    const id = (await engine.getContainer(name).inspect()).Id;
    const result = await h.ok('docker_container_update', { container: name, pull: false });
    expect(result).toMatchObject({ updated: false });
    expect((await engine.getContainer(name).inspect()).Id).toBe(id);
  });

  it('restores the previous container when the new one does not keep running', async () => {
    const good = await engine.getContainer(name).inspect();
    await buildAndTag(['CMD ["sh", "-c", "echo boom from v3; exit 3"]', 'LABEL version=3']);
    const result = await h.call('docker_container_update', { container: name, pull: false });
    expect(result.isError).toBe(true);
    const text = result.content[0]!.text;
    expect(text).toMatch(
      /ERR_UPSTREAM_FAILED.*Updating ".*" to .* failed: it (exited with code 3|keeps restarting)/,
    );
    expect(text).toContain('boom from v3');
    expect(text).toContain('The previous container was restored and is running again');

    const now = await engine.getContainer(name).inspect();
    expect(now.Id).toBe(good.Id);
    expect(now.State.Running).toBe(true);
    expect(now.Image).toBe(good.Image);
    const leftovers = await engine.listContainers({ all: true, filters: { name: [`${name}-tw-previous`] } });
    expect(leftovers).toEqual([]);
    expect(JSON.stringify(await h.gw.auditRecords())).not.toContain('hunter2');
  });

  it('restores the previous container when the new one turns unhealthy', async () => {
    const good = await engine.getContainer(name).inspect();
    await buildAndTag(['CMD ["sleep", "3600"]', 'LABEL version=4'], ['CMD', 'false']);
    const result = await h.call('docker_container_update', { container: name, pull: false });
    expect(result.content[0]!.text).toMatch(
      /failed: its healthcheck reports unhealthy.*previous container was restored/s,
    );
    const now = await engine.getContainer(name).inspect();
    expect(now.Id).toBe(good.Id);
    expect(now.State.Running).toBe(true);
  });

  it('waits for a healthcheck to pass and reports the container healthy', async () => {
    const v5 = await buildAndTag(['CMD ["sleep", "3600"]', 'LABEL version=5'], ['CMD', 'true']);
    const result = await h.ok('docker_container_update', { container: name, pull: false });
    expect(result).toMatchObject({ updated: true, image_id: v5, health: 'healthy' });
    expect((await engine.getContainer(name).inspect()).State.Health?.Status).toBe('healthy');
  });

  it('leaves the container untouched when the registry cannot be reached', async () => {
    const remote = `127.0.0.1:1/${prefix}/svc:1`;
    await engine.getImage(BUSYBOX).tag({ repo: `127.0.0.1:1/${prefix}/svc`, tag: '1' });
    try {
      const c = await runContainer(prefix, 'remote', { Image: remote });
      const result = await h.call('docker_container_update', { container: `${prefix}-remote` });
      expect(result.content[0]!.text).toMatch(/ERR_UPSTREAM_UNAVAILABLE.*Cannot reach the registry/);
      const info = await c.inspect();
      expect(info.State.Running).toBe(true);
      expect(info.Name).toBe(`/${prefix}-remote`);
    } finally {
      await engine
        .getContainer(`${prefix}-remote`)
        .remove({ force: true })
        .catch(() => undefined);
      await engine
        .getImage(remote)
        .remove()
        .catch(() => undefined);
    }
  });
});

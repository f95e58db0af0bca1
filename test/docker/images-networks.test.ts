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

const prefix = testPrefix('img');

describe('docker images, networks and volumes on a real engine', () => {
  let h: DockerHarness;

  beforeAll(async () => {
    h = await startDockerHarness();
    await engine.getImage(BUSYBOX).tag({ repo: `${prefix}-app`, tag: 'v1' });
    await engine.createNetwork({ Name: `${prefix}-net`, Labels: { 'tw-test': prefix } });
    await engine.createVolume({
      Name: `${prefix}-vol`,
      Labels: { 'com.docker.compose.project': `${prefix}-proj` },
    });
    await runContainer(prefix, 'user', {
      HostConfig: { NetworkMode: `${prefix}-net`, Binds: [`${prefix}-vol:/data`] },
    });
  });
  afterAll(async () => {
    await h?.close();
    await cleanup(prefix);
  });

  it('lists images by reference and inspects one', async () => {
    const list = await h.ok('docker_image_list', { reference: `${prefix}-app` });
    expect(list.count).toBe(1);
    expect(list.images[0]).toMatchObject({ tags: [`${prefix}-app:v1`], dangling: false });
    // The engine's list says -1 containers when it did not count them: absent, not a placeholder.
    for (const image of (await h.ok('docker_image_list', {})).images as { containers?: number }[])
      if ('containers' in image) expect(image.containers).toBeGreaterThanOrEqual(0);
    const info = await h.ok('docker_image_inspect', { image: `${prefix}-app:v1` });
    expect(info.tags).toContain(BUSYBOX);
    expect(info.command).toEqual(['/bin/sh']);
    expect(info.layers).toBeGreaterThanOrEqual(1);
    const missing = await h.call('docker_image_inspect', { image: `${prefix}-app:v2` });
    expect(missing.content[0]!.text).toContain('ERR_NOT_FOUND');
  });

  it('removes a tag without deleting the image it points to', async () => {
    await engine.getImage(BUSYBOX).tag({ repo: `${prefix}-gone`, tag: 'v1' });
    const removed = await h.ok('docker_image_remove', { image: `${prefix}-gone:v1` });
    expect(removed).toEqual({ untagged: [`${prefix}-gone:v1`], deleted: [] });
    await expect(engine.getImage(BUSYBOX).inspect()).resolves.toBeTruthy();
  });

  it('prunes a dangling image', async () => {
    const source = await runContainer(prefix, 'committer', { start: false });
    const { Id } = (await source.commit({ changes: [`LABEL tw-test=${prefix}`] })) as { Id: string };
    const list = await h.ok('docker_image_list', { dangling: true });
    expect(list.images.map((i: { id: string }) => i.id)).toContain(Id.replace('sha256:', '').slice(0, 12));
    // Only our own: other tests share this engine and may hold dangling images for a moment.
    const pruned = await h.ok('docker_image_prune', { label: [`tw-test=${prefix}`] });
    expect(pruned.deleted).toContain(Id);
    await expect(engine.getImage(Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('says the registry is unreachable when a pull cannot connect (loopback, nothing listening)', async () => {
    const result = await h.call('docker_image_pull', { image: '127.0.0.1:1/tw-test/nothing:1' });
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(
      /ERR_UPSTREAM_UNAVAILABLE.*Cannot reach the registry for "127\.0\.0\.1:1\/tw-test\/nothing:1"/,
    );
  });

  it('refuses an image reference that looks like an option', async () => {
    const result = await h.call('docker_image_pull', { image: '--help' });
    expect(result.content[0]!.text).toContain('ERR_INPUT_REJECTED');
  });

  it('lists and inspects networks with their containers', async () => {
    const list = await h.ok('docker_network_list');
    const net = list.networks.find((n: { name: string }) => n.name === `${prefix}-net`);
    expect(net).toMatchObject({ driver: 'bridge', scope: 'local', internal: false });
    expect(net.subnets).toMatch(/\/\d+/);
    const info = await h.ok('docker_network_inspect', { network: `${prefix}-net` });
    expect(info.containers.map((c: { name: string }) => c.name)).toEqual([`${prefix}-user`]);
    expect(info.labels).toEqual({ 'tw-test': prefix });
    const typo = await h.call('docker_network_inspect', { network: `${prefix}-nte` });
    expect(typo.content[0]!.text).toContain(`Did you mean "${prefix}-net"`);
  });

  it('lists and inspects volumes with their users and compose project', async () => {
    const list = await h.ok('docker_volume_list', { format: 'toon' });
    const vol = list.volumes.find((v: { name: string }) => v.name === `${prefix}-vol`);
    expect(vol).toMatchObject({ driver: 'local', project: `${prefix}-proj` });
    const info = await h.ok('docker_volume_inspect', { volume: `${prefix}-vol` });
    expect(info.used_by).toEqual([`${prefix}-user`]);
    expect(info.mountpoint).toContain(`${prefix}-vol`);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateDockerd } from './private-dockerd.ts';
import { type DockerHarness, startDockerHarness, waitFor } from './support.ts';

describe('the Docker engine stopping and coming back', () => {
  const dockerd = new PrivateDockerd();
  let h: DockerHarness;

  beforeAll(async () => {
    await dockerd.start();
    dockerd.loadTestImage();
    h = await startDockerHarness({ config: { modules: { docker: { socket: dockerd.socket } } } });
  });
  afterAll(async () => {
    await h?.close();
    await dockerd.destroy();
  });

  it('fails a call cut off mid-way clearly, stays up, and recovers when the engine returns', async () => {
    const box = await dockerd.engine.createContainer({
      Image: 'tailwarden-test-busybox:latest',
      Cmd: ['sleep', '3600'],
      name: 'tw-test-docker-daemon-box',
      StopTimeout: 60, // sleep as PID 1 ignores SIGTERM: the stop call waits until dockerd dies under it
      HostConfig: { NetworkMode: 'none' },
    });
    await box.start();
    expect((await h.ok('docker_container_list')).count).toBe(1);

    // Crash the engine while it is stopping the box: its SIGTERM ("kill" event) has been sent,
    // and the stop waits for a process that ignores it.
    const events = await dockerd.engine.getEvents({
      filters: { container: ['tw-test-docker-daemon-box'], event: ['kill'] },
    });
    const stopping = new Promise((resolve) => events.once('data', resolve));
    const inFlight = h.call('docker_container_stop', { container: 'tw-test-docker-daemon-box' });
    await stopping;
    (events as unknown as { destroy(): void }).destroy();
    await dockerd.crash();
    const cut = await inFlight;
    expect(cut.isError).toBe(true);
    expect(cut.content[0]!.text).toMatch(/ERR_UPSTREAM_UNAVAILABLE.*(not answering|No Docker socket)/);

    // Between: every call says what is wrong and how to fix it; the gateway itself answers.
    const down = await h.call('docker_container_list');
    expect(down.content[0]!.text).toMatch(
      /ERR_UPSTREAM_UNAVAILABLE.*(systemctl start docker|TAILWARDEN_DOCKER_SOCKET)/,
    );
    const health = await h.gw.gateway.health();
    expect(health['module.docker']).toMatchObject({ status: 'unavailable' });
    expect((await h.client.listTools()).tools.length).toBeGreaterThan(0);

    // The engine comes back on the same socket; the same gateway and module serve again, no restart.
    await dockerd.start();
    await waitFor(async () => !(await h.call('docker_container_list', { all: true })).isError, 'recovery');
    expect((await h.gw.gateway.health())['module.docker']).toMatchObject({ status: 'ok' });
    expect(await h.ok('docker_container_list', { all: true })).toMatchObject({ count: 0 });
    expect((await h.ok('docker_image_list')).count).toBe(0);
  });

  it('names the missing socket and the setting to fix', async () => {
    const lost = await startDockerHarness({
      config: { modules: { docker: { socket: '/tmp/tw-test-docker-no-such.sock' } } },
    });
    try {
      const result = await lost.call('docker_container_list');
      expect(result.content[0]!.text).toMatch(
        /ERR_UPSTREAM_UNAVAILABLE\] No Docker socket at \/tmp\/tw-test-docker-no-such\.sock.*modules\.docker\.socket/,
      );
      expect((await lost.gw.gateway.health())['module.docker']).toMatchObject({ status: 'unavailable' });
    } finally {
      await lost.close();
    }
  });
});

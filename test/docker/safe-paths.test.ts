import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsafePathReason } from '../../src/modules/docker/safe-paths.ts';
import { type DockerHarness, startDockerHarness } from './support.ts';

// Found by the hostile-input suite: such names made the engine answer 301, docker-modem followed the
// redirect to a host named "containers", and the error was thrown where nothing could catch it.
const BENT_NAMES = [
  '//containers',
  '/..//containers',
  'x/../../containers',
  'a//networks',
  'web?force=true',
  'web#x',
  'we b',
];

describe('names that would bend the engine request path', () => {
  let h: DockerHarness;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    process.on('uncaughtException', record);
    h = await startDockerHarness({ role: 'viewer' });
  });
  afterAll(async () => {
    process.off('uncaughtException', record);
    await h?.close();
  });

  it('are refused before anything is sent, for every kind of object, and nothing is thrown uncaught', async () => {
    for (const name of BENT_NAMES) {
      for (const [tool, arg] of [
        ['docker_container_inspect', 'container'],
        ['docker_image_inspect', 'image'],
        ['docker_network_inspect', 'network'],
        ['docker_volume_inspect', 'volume'],
      ] as const) {
        const result = await h.call(tool, { [arg]: name });
        expect(result.isError, `${tool} ${name}`).toBe(true);
        expect(result.content[0]!.text).toMatch(/ERR_INPUT_REJECTED|ERR_NOT_FOUND/);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(uncaught).toEqual([]);
    expect((await h.call('docker_container_list', {})).isError).toBeFalsy();
  });

  it('lets real names and image references through', () => {
    for (const path of [
      '/containers/json?',
      '/containers/tw-web_1/json?',
      '/images/ghcr.io/org/app:1.2/json',
      '/images/busybox@sha256:0123abc/json',
      '/volumes/data.v2',
    ]) {
      expect(unsafePathReason(path), path).toBeUndefined();
    }
    expect(unsafePathReason('/containers//x/json')).toMatch(/empty path segment/);
    expect(unsafePathReason('/containers/../x')).toMatch(/\. or \.\. segment/);
    expect(unsafePathReason('/containers/x?y=1/json')).toMatch(/characters/);
  });
});

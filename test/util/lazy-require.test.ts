import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDockerode } from '../../src/util/lazy-require.ts';

const require = createRequire(import.meta.url);
const loaded = (fragment: string) => Object.keys(require.cache).some((path) => path.includes(fragment));

// Each test file runs in its own process, so nothing else here has loaded ssh2 or gRPC.
describe('loadDockerode', () => {
  it('loads dockerode without the SSH transport and BuildKit sessions it does not use', () => {
    const Docker = loadDockerode();
    expect(typeof Docker).toBe('function');
    expect(loadDockerode()).toBe(Docker);
    expect(loaded('/node_modules/dockerode/lib/docker.js')).toBe(true);
    expect(loaded('/node_modules/ssh2/')).toBe(false);
    expect(loaded('/node_modules/@grpc/')).toBe(false);
    expect(loaded('/node_modules/protobufjs/')).toBe(false);
  });

  it('loads a deferred part on its first call, and it then works as the real one', () => {
    loadDockerode();
    const dockerodeRequire = createRequire(require.resolve('dockerode'));
    const sshAgent = createRequire(dockerodeRequire.resolve('docker-modem'))('./ssh.js') as (
      options: object,
    ) => { createConnection: unknown; destroy(): void };
    expect(loaded('/node_modules/ssh2/')).toBe(false);
    const agent = sshAgent({ host: '127.0.0.1', username: 'nobody' });
    expect(typeof agent.createConnection).toBe('function');
    expect(loaded('/node_modules/ssh2/')).toBe(true);
    agent.destroy();
  });
});

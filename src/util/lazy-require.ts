import { createRequire } from 'node:module';
import type Dockerode from 'dockerode';
import type * as Ssh2 from 'ssh2';

/**
 * Client libraries that cost a noticeable part of start-up to load (dockerode pulls in gRPC and protobufjs;
 * ssh2 its crypto) and that many runs never use (the SSH module is off by default; a CLI call needs neither).
 * Both are CommonJS, so they load synchronously on first use.
 */
const require = createRequire(import.meta.url);

export function loadDockerode(): typeof Dockerode {
  return require('dockerode') as typeof Dockerode;
}

export function loadSsh2(): typeof Ssh2 {
  return require('ssh2') as typeof Ssh2;
}

import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import type { RE2JS, RE2JSException } from 're2js';
import type * as Ssh2 from 'ssh2';
import type Systeminformation from 'systeminformation';
import type * as Yaml from 'yaml';

/**
 * Libraries that cost a noticeable part of start-up to load (dockerode pulls in gRPC and protobufjs; ssh2 its
 * crypto; yaml ~70 files; systeminformation and re2js several hundred KB each) and that many runs never use (the SSH module is off by default; a CLI call needs
 * none of them). They load synchronously on first use (re2js is an ES module: Node's require() loads those too). The bundled build (scripts/build.js)
 * leaves them out of dist/: this `require` loads them from node_modules.
 */
const require = createRequire(import.meta.url);

/**
 * Put a stand-in for a CommonJS file that exports one function into the require cache: the real file loads on
 * the stand-in's first call. For dockerode's own requires of parts the gateway never calls, which are most of
 * its memory: docker-modem's `ssh://` transport loads ssh2, whose poly1305 WebAssembly reserves 16 MB (the
 * gateway reaches fleet engines through its own SSH pool, over plain HTTP), and BuildKit sessions load gRPC and
 * protobufjs (the gateway builds nothing). Together about 30 MB of resident memory, held from the first Docker
 * call (the metrics collector's, 15 s after start) for the life of the daemon. Nothing is deferred when the
 * file is not where this version of the library keeps it, or is loaded already.
 */
function deferUntilCalled(path: string): void {
  if (!existsSync(path) || require.cache[path]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const standIn = function (this: unknown, ...args: unknown[]) {
    if (!real) {
      delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  const cached = new Module(path);
  cached.filename = path;
  cached.loaded = true;
  cached.exports = standIn;
  require.cache[path] = cached;
}

let dockerode: typeof Dockerode | undefined;

export function loadDockerode(): typeof Dockerode {
  if (!dockerode) {
    const main = require.resolve('dockerode');
    const modem = createRequire(main).resolve('docker-modem');
    deferUntilCalled(join(dirname(modem), 'ssh.js'));
    deferUntilCalled(join(dirname(main), 'session.js'));
    dockerode = require(main) as typeof Dockerode;
  }
  return dockerode;
}

export function loadSsh2(): typeof Ssh2 {
  return require('ssh2') as typeof Ssh2;
}

/** The YAML parser: only a config file, an SSH command catalog or `tailwarden config` needs it. */
export function loadYaml(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

/** Host facts (memory, disks, processes, interfaces): ~700 KB of code, first needed by the host sampler. */
export function loadSysteminformation(): typeof Systeminformation {
  return require('systeminformation') as typeof Systeminformation;
}

/** RE2 for caller-supplied patterns (src/util/linear-regex.ts): needed by the first search with a regex. */
export function loadRe2js(): { RE2JS: typeof RE2JS; RE2JSException: typeof RE2JSException } {
  return require('re2js') as { RE2JS: typeof RE2JS; RE2JSException: typeof RE2JSException };
}

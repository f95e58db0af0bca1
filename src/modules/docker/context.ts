import type Docker from 'dockerode';
import type { Config } from '../../config/schema.ts';
import { toolsWith } from '../../mcp/tool.ts';
import type { KeyedLock } from '../../util/keyed-lock.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { ComposeRunner } from './stacks/compose.ts';
import type { HostCompose } from './stacks/host-compose.ts';

export type DockerSettings = Config['modules']['docker'];

/** What every docker tool handler receives as `ctx.docker`. */
export interface DockerContext {
  docker: {
    engine: Docker;
    config: DockerSettings;
    /** Absolute directory holding stacks deployed from git. */
    stacksDir: string;
    compose: ComposeRunner;
    /** The engine of a fleet host, over SSH (needs the ssh module and `docker: true` on the host). */
    remote(host: string): Docker;
    /** The fleet host this call acts on (set by the `host` argument); undefined: this host. */
    host?: string;
    /** The ssh module's fleet (stacks on fleet hosts); throws a clear error when the module is off. */
    fleet(): Fleet;
    /** The compose CLI on each fleet host, detected once per host. */
    hostCompose: HostCompose;
    /** One change at a time per stack (an update must not interleave with another). */
    stackLocks: KeyedLock;
  };
}

export const dockerTool = toolsWith<DockerContext>();

import type Docker from 'dockerode';
import type { Config } from '../../config/schema.ts';
import { toolsWith } from '../../mcp/tool.ts';
import type { ComposeRunner } from './stacks/compose.ts';

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
  };
}

export const dockerTool = toolsWith<DockerContext>();

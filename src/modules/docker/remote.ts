import { join } from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ConditionalArg, ToolDefinition } from '../../mcp/tool.ts';
import type { SshContext } from '../ssh/context.ts';
import { dockerForHost } from '../ssh/docker.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { DockerContext } from './context.ts';
import { guardEnginePaths } from './safe-paths.ts';

/**
 * Docker over SSH: the same docker tools, pointed at a fleet host's engine by an
 * optional `host` argument. The connection is the ssh module's pinned, pooled one
 * (`docker system dial-stdio` on the host), so host-key pinning and per-host
 * limits apply unchanged.
 */
export function remoteEngines(peer: ((id: string) => unknown) | undefined): (host: string) => Docker {
  const engines = new Map<string, Docker>();
  const fleet = fleetOf(peer);
  return (host) => {
    let engine = engines.get(host);
    if (!engine) {
      engine = guardEnginePaths(dockerForHost(fleet(), host));
      engines.set(host, engine);
    }
    return engine;
  };
}

/** The ssh module's fleet, looked up when needed (the modules start in any order). */
export function fleetOf(peer: ((id: string) => unknown) | undefined): () => Fleet {
  return () => {
    const ssh = peer?.('ssh') as SshContext | undefined;
    if (!ssh) {
      throw new GatewayError(
        'ERR_POLICY_DENIED',
        'Docker on a fleet host goes over SSH, and the ssh module is off; enable modules.ssh and add the host with docker: true.',
      );
    }
    return ssh.ssh;
  };
}

const hostArg = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][\w.-]*$/, 'a host name from modules.ssh.hosts')
  .optional()
  .describe('Fleet host (from ssh_hosts_list) whose Docker engine to use; default: this one');

/** `host` is offered only where it can work: the ssh module on, with a host marked docker: true. */
const fleetHost: ConditionalArg = {
  available: (config) => config.modules.ssh.enabled && config.modules.ssh.hosts.some((h) => h.docker),
  when: 'with the ssh module on and a host with docker: true',
  reachesOut: true,
  unavailable:
    'Docker on another host goes over SSH, and no such host is set up: enable modules.ssh and add the host with docker: true; leave out host for this engine.',
};

// biome-ignore lint/suspicious/noExplicitAny: wraps docker tools of every input and output shape
type DockerTool = ToolDefinition<any, any, DockerContext>;

/** The tool with an optional `host`: when given, every engine call goes to that host's engine. */
export function withHostOption(tool: DockerTool): DockerTool {
  return {
    ...tool,
    input: tool.input.extend({ host: hostArg }),
    conditionalArgs: { ...tool.conditionalArgs, host: fleetHost },
    summarize: tool.summarize
      ? ({ host, ...args }) => `${tool.summarize!(args)}${host ? ` (on host ${host})` : ''}`
      : undefined,
    // An unknown host, or one without docker: true, is refused before the risk rule, like the tool's own checks.
    validate: ({ host, ...args }, ctx) => {
      if (host) ctx.docker.remote(host);
      return tool.validate?.(args, ctx);
    },
    handler: ({ host, ...args }, ctx) => {
      if (!host) return tool.handler(args, ctx);
      const docker = {
        ...ctx.docker,
        engine: ctx.docker.remote(host),
        config: { ...ctx.docker.config, socket: `${host} (over SSH)` },
        host,
        // The gateway's checkouts of a host's stacks live apart from its own ("@" is not in a stack name).
        stacksDir: join(ctx.docker.stacksDir, '@hosts', host),
      };
      return tool.handler(args, { ...ctx, docker });
    },
  };
}

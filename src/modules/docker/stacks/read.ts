import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../../../errors.ts';
import { formatArg } from '../../../mcp/format.ts';
import { logWindow, readContainerLogs } from '../container-logs.ts';
import { COMPOSE_PROJECT } from '../containers.ts';
import { dockerTool } from '../context.ts';
import { engineCall } from '../engine.ts';
import { capLines, logsCutNote } from '../logs.ts';
import { git } from './git.ts';
import { type Ctx, gitOptions, projectContainers, readMeta, STACK_NAME, stackDir } from './project.ts';

const WORKING_DIR = 'com.docker.compose.project.working_dir';

async function managedNames(ctx: Ctx): Promise<string[]> {
  const entries = await readdir(ctx.docker.stacksDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter(
      (e) =>
        e.isDirectory() && STACK_NAME.test(e.name) && existsSync(join(ctx.docker.stacksDir, e.name, '.git')),
    )
    .map((e) => e.name);
}

export const stackList = dockerTool({
  name: 'docker_stack_list',
  title: 'Docker: List stacks',
  description:
    'Every compose project on this engine (from container labels) and every stack deployed from git, with the state of each service.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({
    stacks: z.array(
      z.object({
        name: z.string(),
        managed: z.boolean().describe('Deployed from git by the gateway'),
        working_dir: z.string(),
        status: z.string().describe('running, partial, stopped, or not deployed'),
        services: z.record(z.string(), z.string()).describe('service → state'),
      }),
    ),
    count: z.number().int(),
  }),
  handler: async (_input, ctx) => {
    const containers = await engineCall(ctx, 'list containers', (e) =>
      e.listContainers({ all: true, filters: { label: [COMPOSE_PROJECT] }, abortSignal: ctx.signal }),
    );
    const managed = new Set(await managedNames(ctx));
    const projects = new Map<string, { workingDir: string; services: Record<string, string> }>();
    for (const c of containers) {
      const name = c.Labels[COMPOSE_PROJECT]!;
      const entry = projects.get(name) ?? { workingDir: c.Labels[WORKING_DIR] ?? '', services: {} };
      const service = c.Labels['com.docker.compose.service'] ?? c.Names[0] ?? '';
      // One running replica makes the service running.
      if (entry.services[service] !== 'running') entry.services[service] = c.State;
      projects.set(name, entry);
    }
    for (const name of managed) if (!projects.has(name)) projects.set(name, { workingDir: '', services: {} });
    const stacks = [...projects.entries()]
      .map(([name, p]) => {
        const states = Object.values(p.services);
        const running = states.filter((s) => s === 'running').length;
        const status =
          states.length === 0
            ? 'not deployed'
            : running === states.length
              ? 'running'
              : running > 0
                ? 'partial'
                : 'stopped';
        return {
          name,
          managed: managed.has(name),
          working_dir: p.workingDir || (managed.has(name) ? join(ctx.docker.stacksDir, name) : ''),
          status,
          services: p.services,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    return { stacks, count: stacks.length };
  },
});

export const stackStatus = dockerTool({
  name: 'docker_stack_status',
  title: 'Docker: Stack status',
  description:
    'The containers of one stack by service, with state, health and image, and — for a stack deployed from git — its repository, ref and commit.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    name: z.string().min(1).max(63).describe('Stack (compose project) name'),
    format: formatArg,
  }),
  output: z.object({
    stack: z.string(),
    managed: z.boolean(),
    repository: z.string(),
    ref: z.string(),
    commit: z.string(),
    services: z.array(
      z.object({
        service: z.string(),
        container: z.string(),
        state: z.string(),
        status: z.string(),
        health: z.string(),
        image: z.string(),
      }),
    ),
  }),
  handler: async ({ name }, ctx) => {
    const states = await projectContainers(ctx, name);
    const dir = STACK_NAME.test(name) ? stackDir(ctx, name) : '';
    const managed = dir !== '' && existsSync(join(dir, '.git'));
    if (!managed && states.length === 0) {
      throw new GatewayError('ERR_NOT_FOUND', `No stack "${name}". List stacks with docker_stack_list.`);
    }
    const options = gitOptions(ctx);
    const meta = managed ? await readMeta(dir, options) : { repository: '', ref: '' };
    const commit = managed ? await git(['rev-parse', 'HEAD'], dir, options).catch(() => '') : '';
    return {
      stack: name,
      managed,
      repository: meta.repository,
      ref: meta.ref,
      commit,
      services: states.map(({ image_id: _id, ...s }) => s),
    };
  },
});

export const stackLogs = dockerTool({
  name: 'docker_stack_logs',
  title: 'Docker: Stack logs',
  description:
    'The newest log lines of every container of a stack (or one service), each line tagged with its service.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    name: z.string().min(1).max(63).describe('Stack (compose project) name'),
    service: z.string().max(100).optional().describe('Only this service'),
    ...logWindow,
    tail: logWindow.tail.default(100).describe('How many of the newest lines to read per container'),
    format: formatArg,
  }),
  output: z.object({
    stack: z.string(),
    lines: z.array(z.object({ service: z.string(), stream: z.enum(['stdout', 'stderr']), text: z.string() })),
    count: z.number().int(),
    truncated: z.boolean(),
    note: z.string().optional().describe('How to read what was dropped'),
  }),
  handler: async ({ name, service, format: _format, ...window }, ctx) => {
    const states = (await projectContainers(ctx, name)).filter((s) => !service || s.service === service);
    if (states.length === 0) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        service ? `Stack "${name}" has no service "${service}".` : `No stack "${name}" with containers.`,
      );
    }
    const lines: { service: string; stream: 'stdout' | 'stderr'; text: string }[] = [];
    let truncated = false;
    for (const state of states) {
      const logs = await readContainerLogs(ctx, state.container, window);
      truncated ||= logs.truncated;
      for (const line of logs.lines) lines.push({ service: state.service, ...line });
    }
    // Each container's lines are capped already; cap the whole answer too, keeping the newest per order read.
    const capped = capLines(lines, ctx.docker.config.logs_max_bytes);
    const kept = lines.slice(lines.length - capped.lines.length);
    const cut = truncated || capped.truncated;
    return {
      stack: name,
      lines: kept,
      count: kept.length,
      truncated: cut,
      ...(cut ? { note: logsCutNote(ctx.docker.config.logs_max_bytes) } : {}),
    };
  },
});

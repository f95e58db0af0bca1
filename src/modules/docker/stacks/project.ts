import { existsSync } from 'node:fs';
import { appendFile, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { GatewayError } from '../../../errors.ts';
import type { ToolContext } from '../../../mcp/tool.ts';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../containers.ts';
import type { DockerContext } from '../context.ts';
import { containerName, engineCall } from '../engine.ts';
import { type GitOptions, git } from './git.ts';
import { composeOnHost, envValues, maskValues } from './host-compose.ts';
import { lastLines, type RunResult } from './run.ts';
import { removeRemoteProject, shipProject } from './ship.ts';

export type Ctx = ToolContext & DockerContext;

export const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** A stack name is a compose project name and a directory name: no path segments, no option, ever. */
export function checkStackName(name: string): string {
  if (!STACK_NAME.test(name)) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `Stack name ${JSON.stringify(name.slice(0, 100))} is not allowed: use lowercase letters, digits, "-" and "_" (starting with a letter or digit, at most 63).`,
    );
  }
  return name;
}

export function stackDir(ctx: Ctx, name: string): string {
  return join(ctx.docker.stacksDir, checkStackName(name));
}

/** The compose file path as given: relative, inside the checkout (symlinks are checked after the clone). */
export function checkComposePath(path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`) || /[\0\r\n]/.test(path)) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `compose_file ${JSON.stringify(path.slice(0, 300))} must be a relative path inside the repository.`,
    );
  }
  if (clean.split(sep).some((segment) => segment.startsWith('-')))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `compose_file ${JSON.stringify(path.slice(0, 300))} has a name starting with "-", which a program could read as an option.`,
    );
  return clean;
}

/** The compose file inside the checkout; refuses paths (or symlinks) that leave it. */
export async function composeFile(dir: string, path: string | undefined): Promise<string> {
  if (path === undefined) {
    const found = DEFAULT_FILES.find((f) => existsSync(join(dir, f)));
    if (!found) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `The repository has none of ${DEFAULT_FILES.join(', ')} at its top; pass compose_file with the path of the compose file inside it.`,
      );
    }
    return join(dir, found);
  }
  const full = join(dir, checkComposePath(path));
  const real = await realpath(full).catch(() => {
    throw new GatewayError('ERR_INPUT_REJECTED', `The repository has no file "${path}".`);
  });
  const root = await realpath(dir);
  if (relative(root, real).startsWith('..') || isAbsolute(relative(root, real))) {
    throw new GatewayError('ERR_INPUT_REJECTED', `compose_file "${path}" points outside the repository.`);
  }
  return full;
}

export interface StackMeta {
  repository: string;
  ref: string;
  composeFile: string;
}

/** Deployment facts live in the checkout's own git config, so they move with it. */
export async function writeMeta(dir: string, meta: StackMeta, options: GitOptions): Promise<void> {
  await git(['config', 'tailwarden.repository', meta.repository], dir, options);
  await git(['config', 'tailwarden.ref', meta.ref], dir, options);
  await git(['config', 'tailwarden.composefile', meta.composeFile], dir, options);
}

export async function readMeta(dir: string, options: GitOptions): Promise<StackMeta> {
  const read = (key: string) => git(['config', '--get', key], dir, options).catch(() => '');
  return {
    repository: await read('tailwarden.repository'),
    ref: await read('tailwarden.ref'),
    composeFile: await read('tailwarden.composefile'),
  };
}

/** Arguments that select the project: name, file, directory, and the stack's .env when there is one. */
export function projectArgs(name: string, dir: string, file: string): string[] {
  const envFile = join(dir, '.env');
  return [
    '-p',
    name,
    '-f',
    file,
    '--project-directory',
    dirname(file),
    ...(existsSync(envFile) ? ['--env-file', envFile] : []),
  ];
}

/** The values of the stack's .env on this host (to keep them out of progress and errors). */
async function localEnvValues(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, '.env'), 'utf8').catch(() => '');
  return envValues(text.slice(0, 64 * 1024));
}

/**
 * Run a compose subcommand for a stack — here, or on the fleet host the call
 * names — its output streaming as progress; a failure carries compose's own
 * words. Values from the stack's .env never reach a progress line or an error.
 */
export async function compose(
  ctx: Ctx,
  name: string,
  dir: string,
  file: string,
  args: string[],
  what: string,
): Promise<string> {
  let lines = 0;
  const onLine = (line: string) => {
    lines += 1;
    void ctx.progress({ progress: lines, message: line.slice(0, 300) });
  };
  let result: RunResult;
  if (ctx.docker.host) {
    result = await composeOnHost(ctx, ctx.docker.host, name, relative(dir, file), args, onLine);
  } else {
    const secrets = await localEnvValues(dir);
    const masked = (text: string) => maskValues(text, secrets);
    const run = await ctx.docker.compose.run([...projectArgs(name, dir, file), ...args], {
      cwd: dirname(file),
      signal: ctx.signal,
      onLine: (line) => onLine(masked(line)),
    });
    result = { ...run, stdout: masked(run.stdout), stderr: masked(run.stderr) };
  }
  if (result.code !== 0) {
    const text = lastLines(result.stderr || result.stdout);
    const code = args[0] === 'config' ? 'ERR_INPUT_REJECTED' : 'ERR_UPSTREAM_FAILED';
    const prefix = args[0] === 'config' ? 'The compose file is invalid' : `${what} failed`;
    throw new GatewayError(code, `${prefix}:\n${text}`);
  }
  return result.stdout;
}

/** Where this call's stack runs, for messages: "this host" or "host nas". */
export function placeOf(ctx: Ctx): string {
  return ctx.docker.host ? `host ${ctx.docker.host}` : 'this host';
}

/** The key that serialises changes to one stack (per place). */
export function stackKey(ctx: Ctx, name: string): string {
  return `${ctx.docker.host ?? ''}/${name}`;
}

/**
 * Make the place's copy of the project match the checkout. Here the checkout is
 * the project, so only the environment is written (.env, 0600, kept out of git);
 * on a fleet host the tracked files are shipped and the environment goes to the
 * host's .env over SSH only — it is never written on the gateway.
 */
export async function publish(ctx: Ctx, name: string, dir: string, envText?: string): Promise<void> {
  if (ctx.docker.host) {
    await shipProject(ctx, ctx.docker.host, name, dir, envText);
    return;
  }
  if (envText === undefined) return;
  await writeFile(join(dir, '.env'), envText, { mode: 0o600 });
  await appendFile(join(dir, '.git', 'info', 'exclude'), '\n/.env\n');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names and values the stack's .env can hold: one NAME=value per line, so no line breaks in a value. */
export function checkEnvironment(environment: Record<string, string>): void {
  for (const [key, value] of Object.entries(environment)) {
    if (!ENV_NAME.test(key))
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Environment name ${JSON.stringify(key.slice(0, 100))} is not valid (letters, digits and _, not starting with a digit).`,
      );
    if (/[\r\n\0]/.test(value))
      throw new GatewayError('ERR_INPUT_REJECTED', `The value of ${key} has a line break or a NUL byte.`);
  }
}

export function envFileText(environment: Record<string, string>): string {
  checkEnvironment(environment);
  return Object.entries(environment)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/** Remove a stack's files: its checkout here, and its copy on the host. Returns what could not be removed. */
export async function discard(ctx: Ctx, name: string, dir: string): Promise<{ dir: string; left: string[] }> {
  await rm(dir, { recursive: true, force: true });
  if (!ctx.docker.host) return { dir, left: [] };
  return removeRemoteProject(ctx, ctx.docker.host, name);
}

export interface ServiceState {
  service: string;
  container: string;
  state: string;
  status: string;
  health: string;
  image: string;
  image_id: string;
}

/** Every container of a compose project, as the engine labels them. */
export async function projectContainers(ctx: Ctx, project: string): Promise<ServiceState[]> {
  const list = await engineCall(ctx, `containers of stack ${project}`, (e) =>
    e.listContainers({
      all: true,
      filters: { label: [`${COMPOSE_PROJECT}=${project}`] },
      abortSignal: ctx.signal,
    }),
  );
  return list
    .map((c) => ({
      service: c.Labels?.[COMPOSE_SERVICE] ?? '',
      container: containerName(c.Names[0]),
      state: c.State,
      status: c.Status,
      health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? '',
      image: c.Image,
      image_id: c.ImageID,
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.container.localeCompare(b.container));
}

export function gitOptions(ctx: Ctx): GitOptions {
  const protocols = ['https', 'ssh'];
  if (ctx.docker.config.allowed_git_hosts.some((h) => h.toLowerCase() === 'local')) protocols.push('file');
  return { signal: ctx.signal, timeoutMs: ctx.docker.config.git_timeout, protocols };
}

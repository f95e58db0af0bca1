import { posix } from 'node:path';
import { GatewayError } from '../../../errors.ts';
import type { Fleet } from '../../ssh/fleet.ts';
import type { Ctx } from './project.ts';
import type { RunResult } from './run.ts';
import { remoteProjectDir } from './ship.ts';

const MAX_ENV = 64 * 1024;

/**
 * The compose CLI on a fleet host, run over its pinned SSH connection from an
 * argument array (quoted by the ssh module's one quoting function, never a
 * string built here): `docker compose` (v2 plugin) when the host has it,
 * `docker-compose` (v1) otherwise — learnt once per host.
 */
export class HostCompose {
  private readonly detected = new Map<string, Promise<string[]>>();

  command(fleet: Fleet, host: string, signal: AbortSignal): Promise<string[]> {
    let found = this.detected.get(host);
    if (!found) {
      found = detect(fleet, host, signal).catch((error: unknown) => {
        this.detected.delete(host); // it may get installed: ask again next time
        throw error;
      });
      this.detected.set(host, found);
    }
    return found;
  }
}

async function detect(fleet: Fleet, host: string, signal: AbortSignal): Promise<string[]> {
  const answers = async (argv: string[]) =>
    (await fleet.exec(host, argv, { signal, timeout: 20_000, outputCap: 4096 }).catch(() => undefined))
      ?.exit_code === 0;
  if (await answers(['docker', 'compose', 'version'])) return ['docker', 'compose'];
  if (await answers(['docker-compose', 'version', '--short'])) return ['docker-compose'];
  throw new GatewayError(
    'ERR_UPSTREAM_UNAVAILABLE',
    `No compose CLI on host ${host}: neither \`docker compose\` nor \`docker-compose\` runs there for the SSH user. Install the docker-compose-plugin (or Debian's docker-compose package) on the host.`,
  );
}

/** Values of a .env text worth masking in output (short ones like "1" or "true" would garble every line). */
export function envValues(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.slice(line.indexOf('=') + 1).trim())
    .filter((value, i, all) => value.length >= 6 && all.indexOf(value) === i);
}

/** Every occurrence of the values replaced (plain substring search: linear in the text per value). */
export function maskValues(text: string, values: readonly string[]): string {
  return values.reduce((out, value) => out.split(value).join('[redacted]'), text);
}

/** The project's arguments on the host, and the values of its .env (to keep them out of every message). */
async function projectOnHost(ctx: Ctx, host: string, name: string, relativeFile: string) {
  return ctx.docker.fleet().sftp(host, ctx.signal, async (files) => {
    const dir = await remoteProjectDir(files, ctx, name);
    const env = await files.readFile(`${dir}/.env`, MAX_ENV);
    const file = posix.join(dir, relativeFile);
    return {
      args: [
        '-p',
        name,
        '-f',
        file,
        '--project-directory',
        posix.dirname(file),
        ...(env ? ['--env-file', `${dir}/.env`] : []),
      ],
      secrets: env ? envValues(env.toString('utf8')) : [],
    };
  });
}

/** Run a compose subcommand for a stack on a fleet host, streaming its lines (the stack's .env values masked). */
export async function composeOnHost(
  ctx: Ctx,
  host: string,
  name: string,
  relativeFile: string,
  args: readonly string[],
  onLine: (line: string) => void,
): Promise<RunResult> {
  const fleet = ctx.docker.fleet();
  const prefix = await ctx.docker.hostCompose.command(fleet, host, ctx.signal);
  const project = await projectOnHost(ctx, host, name, relativeFile);
  const masked = (text: string) => maskValues(text, project.secrets);
  const result = await fleet.stream(host, [...prefix, ...project.args, ...args], {
    signal: ctx.signal,
    timeout: ctx.docker.config.compose_timeout,
    onLine: (line) => onLine(masked(line)),
  });
  if (result.exit_code === null) {
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `compose on ${host} was stopped (${result.exit_signal ?? 'no exit status'}); its outcome is unknown.`,
    );
  }
  return { code: result.exit_code, stdout: masked(result.stdout), stderr: masked(result.stderr) };
}

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { GatewayError, isGatewayError } from '../../../errors.ts';
import { dockerTool } from '../context.ts';
import { checkRef, checkRepository, commitLog, git, resolveRef } from './git.ts';
import {
  type Ctx,
  checkComposePath,
  checkEnvironment,
  checkStackName,
  compose,
  composeFile,
  discard,
  envFileText,
  gitOptions,
  placeOf,
  projectContainers,
  publish,
  readMeta,
  type ServiceState,
  stackDir,
  stackKey,
  writeMeta,
} from './project.ts';
import { rollout } from './rollout.ts';

const stackName = z
  .string()
  .min(1)
  .max(63)
  .describe('Stack (compose project) name: lowercase letters, digits, - and _');
const serviceRow = z.object({
  service: z.string(),
  container: z.string(),
  state: z.string(),
  image: z.string(),
});
const services = (states: ServiceState[]) =>
  states.map(({ service, container, state, image }) => ({ service, container, state, image }));

async function checkout(ctx: Ctx, dir: string, ref: string | undefined): Promise<string> {
  const options = gitOptions(ctx);
  const commit = await resolveRef(dir, ref, options);
  await git(['checkout', '--quiet', '--force', '--detach', commit], dir, options);
  return commit;
}

export const stackDeploy = dockerTool({
  name: 'docker_stack_deploy',
  title: 'Docker: Deploy stack from git',
  description:
    "Clone a git repository into <stacks dir>/<name>, write the given environment to the stack's .env, check the compose file, run `docker compose up -d` (output streamed as progress) and wait until its services run and are healthy; a stack that does not come up healthy is taken down again. With host, the checkout stays here and the project is shipped to that fleet host over SSH (.env included, mode 0600) and run there; to place it on the least-loaded host, pick one with fleet_pick_host and pass its pick_id as placement. Only repositories on modules.docker.allowed_git_hosts.",
  permission: 'docker:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    name: stackName,
    repository: z
      .string()
      .min(1)
      .max(500)
      .describe('https://host/owner/repo.git, git@host:owner/repo.git, or file:///path'),
    ref: z.string().max(200).optional().describe('Branch, tag or commit (default: the default branch)'),
    compose_file: z
      .string()
      .max(300)
      .optional()
      .describe(
        'Path of the compose file inside the repository (default: compose.yaml, docker-compose.yml, …)',
      ),
    environment: z
      .record(z.string(), z.string().max(10_000))
      .optional()
      .describe(
        "Values written to the stack's .env; secret values (names such as *_PASSWORD, *_TOKEN, *_KEY) are masked in the audit log and approvals",
      ),
    placement: z
      .string()
      .regex(/^pick-[a-f0-9]{12}$/, 'a pick_id from fleet_pick_host')
      .optional()
      .describe('The pick_id of the fleet_pick_host answer that chose host (it must name the same host)'),
  }),
  output: z.object({
    stack: z.string(),
    host: z.string().optional().describe('The fleet host it runs on (absent: this host)'),
    commit: z.string(),
    compose_file: z.string(),
    services: z.array(serviceRow),
  }),
  summarize: ({ name, repository, ref }) =>
    `Deploy stack "${name}" from ${repository}${ref ? ` at ${ref}` : ''} and start it.`,
  validate: ({ name, repository, ref, compose_file, environment }, ctx) => {
    checkStackName(name);
    checkRepository(repository, ctx.docker.config.allowed_git_hosts);
    if (ref) checkRef(ref);
    if (compose_file) checkComposePath(compose_file);
    if (environment) checkEnvironment(environment);
  },
  handler: ({ name, repository, ref, compose_file, environment, placement }, ctx) =>
    ctx.docker.stackLocks.run(stackKey(ctx, name), async () => {
      // The placement first: a deploy citing a pick goes where the pick said, or nowhere.
      if (placement) ctx.docker.fleet().placements.verify(placement, ctx.docker.host);
      const dir = stackDir(ctx, name);
      checkRepository(repository, ctx.docker.config.allowed_git_hosts);
      if (ref) checkRef(ref);
      const envText = environment ? envFileText(environment) : undefined;
      if (existsSync(dir)) {
        throw new GatewayError(
          'ERR_CONFLICT',
          `Stack "${name}" is already deployed on ${placeOf(ctx)} (checkout ${dir}). Use docker_stack_update, or docker_stack_remove first.`,
        );
      }
      if ((await projectContainers(ctx, name)).length > 0) {
        throw new GatewayError(
          'ERR_CONFLICT',
          `A compose project "${name}" already runs on ${placeOf(ctx)} (not deployed by the gateway). Choose another name.`,
        );
      }
      await mkdir(ctx.docker.stacksDir, { recursive: true, mode: 0o750 });
      const options = gitOptions(ctx);
      let file: string;
      let commit: string;
      try {
        await ctx.progress({ progress: 0, message: `cloning ${repository}` });
        await git(['clone', '--quiet', '--no-checkout', '--', repository, dir], undefined, options);
        commit = await checkout(ctx, dir, ref);
        file = await composeFile(dir, compose_file);
        await writeMeta(dir, { repository, ref: ref ?? '', composeFile: relative(dir, file) }, options);
        await publish(ctx, name, dir, envText);
        await compose(ctx, name, dir, file, ['config', '--quiet'], 'compose config');
      } catch (error) {
        await discard(ctx, name, dir).catch(() => undefined); // nothing runs yet: leave no half-made stack behind
        throw error;
      }
      const states = await rollout(ctx, name, dir, file, commit, undefined).catch(async (error: unknown) => {
        await discard(ctx, name, dir).catch(() => undefined);
        throw error;
      });
      return {
        stack: name,
        ...(ctx.docker.host ? { host: ctx.docker.host } : {}),
        commit,
        compose_file: relative(dir, file),
        services: services(states),
      };
    }),
});

async function managedStack(ctx: Ctx, name: string) {
  const dir = stackDir(ctx, name);
  if (!existsSync(join(dir, '.git'))) {
    const running = (await projectContainers(ctx, name)).length > 0;
    throw new GatewayError(
      'ERR_NOT_FOUND',
      running
        ? `Stack "${name}" on ${placeOf(ctx)} was not deployed by the gateway (no checkout in ${ctx.docker.stacksDir}); manage it where it was started.`
        : `No stack "${name}" on ${placeOf(ctx)}. List stacks with docker_stack_list.`,
    );
  }
  const meta = await readMeta(dir, gitOptions(ctx));
  return { dir, meta, file: join(dir, meta.composeFile) };
}

export const stackUpdate = dockerTool({
  name: 'docker_stack_update',
  title: 'Docker: Update stack',
  description:
    "Fetch the stack's repository, check out its ref (or a new one), pull images, `docker compose up -d`, and wait until its services run and are healthy; when the new revision does not, the previous one is put back and started again. Reports the commits that came in and the services whose image changed. With host, the new revision is shipped to that fleet host over SSH first (its .env stays).",
  permission: 'docker:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    name: stackName,
    ref: z
      .string()
      .max(200)
      .optional()
      .describe('Switch to this branch, tag or commit (default: the one deployed)'),
    pull: z
      .boolean()
      .default(true)
      .describe('Pull newer images before starting (false: use local images only)'),
  }),
  output: z.object({
    stack: z.string(),
    from_commit: z.string(),
    to_commit: z.string(),
    commits: z.array(z.string()).describe('"<short id> <subject>", newest first'),
    images_changed: z.array(z.object({ service: z.string(), from: z.string(), to: z.string() })),
    services: z.array(serviceRow),
  }),
  summarize: ({ name, ref }) =>
    `Update stack "${name}"${ref ? ` to ${ref}` : ''} from git and recreate changed services.`,
  validate: ({ name, ref }) => {
    checkStackName(name);
    if (ref) checkRef(ref);
  },
  handler: ({ name, ref, pull }, ctx) =>
    ctx.docker.stackLocks.run(stackKey(ctx, name), async () => {
      const { dir, meta } = await managedStack(ctx, name);
      if (ref) checkRef(ref);
      checkRepository(meta.repository, ctx.docker.config.allowed_git_hosts);
      const options = gitOptions(ctx);
      const wanted = ref ?? (meta.ref || undefined);
      await ctx.progress({ progress: 0, message: 'fetching' });
      await git(['fetch', '--quiet', '--prune', '--tags', '--force', 'origin'], dir, options);
      const from = await git(['rev-parse', 'HEAD'], dir, options);
      const restore = async () => {
        await git(['checkout', '--quiet', '--force', '--detach', from], dir, options);
        await publish(ctx, name, dir);
      };
      const to = await checkout(ctx, dir, wanted);
      let file: string;
      try {
        file = await composeFile(dir, meta.composeFile);
        await publish(ctx, name, dir);
        await compose(ctx, name, dir, file, ['config', '--quiet'], 'compose config');
        if (pull) await compose(ctx, name, dir, file, ['pull'], `Pulling images of stack "${name}"`);
      } catch (error) {
        // Keep what runs matching the checkout (and the files on the host).
        await restore().catch((failure: unknown) => {
          throw new GatewayError(
            isGatewayError(error) ? error.code : 'ERR_UPSTREAM_FAILED',
            `${(error as Error).message} Putting the previous revision's files back failed too: ${(failure as Error).message}`,
          );
        });
        throw error;
      }
      const before = new Map((await projectContainers(ctx, name)).map((s) => [s.service, s]));
      const after = await rollout(
        ctx,
        name,
        dir,
        file,
        to,
        from === to ? undefined : { commit: from, restore },
      );
      if (ref) await git(['config', 'tailwarden.ref', ref], dir, options);
      const images_changed = after
        .filter((s) => before.get(s.service)?.image_id !== s.image_id)
        .map((s) => ({ service: s.service, from: before.get(s.service)?.image ?? '', to: s.image }));
      return {
        stack: name,
        from_commit: from,
        to_commit: to,
        commits: await commitLog(dir, from, to, options),
        images_changed,
        services: services(after),
      };
    }),
});

const downInput = z.object({
  name: stackName,
  volumes: z.boolean().default(false).describe("Also delete the stack's named volumes (their data is lost)"),
});

async function down(ctx: Ctx, name: string, volumes: boolean) {
  const { dir, file } = await managedStack(ctx, name);
  await compose(
    ctx,
    name,
    dir,
    file,
    ['down', '--remove-orphans', ...(volumes ? ['--volumes'] : [])],
    `Stopping stack "${name}"`,
  );
  return dir;
}

export const stackDown = dockerTool({
  name: 'docker_stack_down',
  title: 'Docker: Take stack down',
  description:
    "Stop and remove the stack's containers and networks (`docker compose down`). Volumes are kept unless volumes is true. The checkout stays for a later update.",
  permission: 'docker:admin',
  risk: 'critical',
  input: downInput,
  output: z.object({ stack: z.string(), volumes_removed: z.boolean() }),
  summarize: ({ name, volumes }) => `Take stack "${name}" down${volumes ? ' and delete its volumes' : ''}.`,
  validate: ({ name }) => void checkStackName(name),
  handler: ({ name, volumes }, ctx) =>
    ctx.docker.stackLocks.run(stackKey(ctx, name), async () => {
      await down(ctx, name, volumes);
      return { stack: name, volumes_removed: volumes };
    }),
});

export const stackRemove = dockerTool({
  name: 'docker_stack_remove',
  title: 'Docker: Remove stack',
  description:
    'Take the stack down and delete its checkout (and its .env; on a fleet host, its directory there). Volumes are kept unless volumes is true.',
  permission: 'docker:admin',
  risk: 'critical',
  input: downInput,
  output: z.object({
    stack: z.string(),
    volumes_removed: z.boolean(),
    removed_dir: z.string().describe("The checkout here, or the stack's directory on the fleet host"),
    left_behind: z
      .array(z.string())
      .optional()
      .describe('Paths on the host that could not be removed (e.g. files its containers wrote as root)'),
  }),
  summarize: ({ name, volumes }) =>
    `Remove stack "${name}" and its checkout${volumes ? ', deleting its volumes' : ''}.`,
  validate: ({ name }) => void checkStackName(name),
  handler: ({ name, volumes }, ctx) =>
    ctx.docker.stackLocks.run(stackKey(ctx, name), async () => {
      const removed = await discard(ctx, name, await down(ctx, name, volumes));
      return {
        stack: name,
        volumes_removed: volumes,
        removed_dir: removed.dir,
        ...(removed.left.length ? { left_behind: removed.left.slice(0, 50) } : {}),
      };
    }),
});

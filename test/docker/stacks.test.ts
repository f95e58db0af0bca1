import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, cleanup, type DockerHarness, engine, startDockerHarness, testPrefix } from './support.ts';

const prefix = testPrefix('stk');
const stack = `${prefix}-mon`;

function compose(image: string, extra = ''): string {
  return `version: "2.4"
services:
  app:
    image: ${image}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    network_mode: none
    environment:
      - GREETING=\${GREETING}
${extra}`;
}

const SIDECAR = `  sidecar:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    network_mode: none
`;

describe('compose stacks deployed from a local git repository', () => {
  let h: DockerHarness;
  let root: string;
  let work: string;
  let bare: string;
  let stacksDir: string;
  const gitIn = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();
  const commit = (message: string) => {
    gitIn(work, 'add', '-A');
    gitIn(work, 'commit', '-q', '-m', message);
    gitIn(work, 'push', '-q', 'origin', 'HEAD:main');
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tw-test-stacks-'));
    bare = join(root, 'repo.git');
    work = join(root, 'work');
    stacksDir = join(root, 'stacks');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    execFileSync('git', ['clone', '-q', bare, work], { stdio: 'ignore' });
    gitIn(work, 'checkout', '-q', '-b', 'main');
    await engine.getImage(BUSYBOX).tag({ repo: `${prefix}-app`, tag: 'v1' });
    const base = await engine.createContainer({
      Image: BUSYBOX,
      name: `${prefix}-base`,
      Labels: { 'tw-test': prefix },
    });
    await base.commit({ repo: `${prefix}-app`, tag: 'v2', changes: ['LABEL version=2'] });
    execFileSync('mkdir', ['-p', join(work, 'deploy')]);
    writeFileSync(join(work, 'deploy', 'compose.yaml'), compose(`${prefix}-app:v1`));
    commit('first');
    h = await startDockerHarness({
      config: { modules: { docker: { stacks_dir: stacksDir, allowed_git_hosts: ['local'] } } },
    });
  });
  afterAll(async () => {
    await h?.close();
    if (existsSync(join(stacksDir, stack))) {
      execFileSync('docker-compose', ['-p', stack, 'down', '-v'], {
        cwd: join(stacksDir, stack, 'deploy'),
        stdio: 'ignore',
      });
    }
    await cleanup(prefix);
    rmSync(root, { recursive: true, force: true });
  });

  it('deploys from file:// with its .env, and the stack shows in list and status', async () => {
    const progress: string[] = [];
    const result = (await h.client.callTool(
      {
        name: 'docker_stack_deploy',
        arguments: {
          name: stack,
          repository: `file://${bare}`,
          ref: 'main',
          compose_file: 'deploy/compose.yaml',
          environment: { GREETING: 'hello-from-env', APP_SECRET: 'stack-secret-value' },
        },
      },
      undefined,
      { onprogress: (p) => void (p.message && progress.push(p.message)), timeout: 120_000 },
    )) as { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> };
    expect(result.isError, result.content[0]?.text).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      stack,
      compose_file: 'deploy/compose.yaml',
      services: [{ service: 'app', state: 'running', image: `${prefix}-app:v1` }],
    });
    expect(progress.some((m) => /app/i.test(m))).toBe(true);

    const env = readFileSync(join(stacksDir, stack, '.env'), 'utf8');
    expect(env).toBe('GREETING=hello-from-env\nAPP_SECRET=stack-secret-value\n');
    expect(statSync(join(stacksDir, stack, '.env')).mode & 0o777).toBe(0o600);
    const [app] = await engine.listContainers({
      filters: { label: [`com.docker.compose.project=${stack}`] },
    });
    expect((await engine.getContainer(app!.Id).inspect()).Config.Env).toContain('GREETING=hello-from-env');

    const list = await h.ok('docker_stack_list');
    expect(list.stacks.find((s: { name: string }) => s.name === stack)).toMatchObject({
      managed: true,
      status: 'running',
      services: { app: 'running' },
    });
    const status = await h.ok('docker_stack_status', { name: stack });
    expect(status).toMatchObject({ managed: true, repository: `file://${bare}`, ref: 'main' });
    expect(status.commit).toBe(gitIn(work, 'rev-parse', 'HEAD'));

    const records = JSON.stringify(await h.gw.auditRecords());
    expect(records).toContain('docker_stack_deploy');
    // The audit copy shows the environment's names and plain values, and masks its secrets.
    expect(records).toContain('"GREETING":"hello-from-env"');
    expect(records).toContain('"APP_SECRET":"[secret: 18 chars]"');
    expect(records).not.toContain('stack-secret-value');
  });

  it('updates after a new commit, reporting the commit range and the changed image', async () => {
    const before = gitIn(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'deploy', 'compose.yaml'), compose(`${prefix}-app:v2`, SIDECAR));
    commit('use v2 and add a sidecar');
    const after = gitIn(work, 'rev-parse', 'HEAD');
    const result = await h.ok('docker_stack_update', { name: stack, pull: false });
    expect(result).toMatchObject({ from_commit: before, to_commit: after });
    expect(result.commits).toEqual([`${after.slice(0, 7)} use v2 and add a sidecar`]);
    expect(result.images_changed).toContainEqual({
      service: 'app',
      from: `${prefix}-app:v1`,
      to: `${prefix}-app:v2`,
    });
    expect(result.services.map((s: { service: string }) => s.service)).toEqual(['app', 'sidecar']);

    const logs = await h.ok('docker_stack_logs', { name: stack });
    expect(logs.stack).toBe(stack);
  });

  it("rejects an invalid compose file with compose's own words and keeps what runs", async () => {
    writeFileSync(join(work, 'deploy', 'compose.yaml'), 'services:\n  app:\n    image: [not, a, string\n');
    gitIn(work, 'checkout', '-q', '-b', 'broken');
    commit('broken');
    gitIn(work, 'push', '-q', 'origin', 'broken');
    const result = await h.call('docker_stack_update', { name: stack, ref: 'broken', pull: false });
    expect(result.content[0]!.text).toMatch(/ERR_INPUT_REJECTED\] The compose file is invalid:\n.+/);
    const status = await h.ok('docker_stack_status', { name: stack });
    expect(status.ref).toBe('main');
    expect(status.commit).not.toBe(gitIn(work, 'rev-parse', 'HEAD'));
    gitIn(work, 'checkout', '-q', 'main');
  });

  it('refuses hosts not allowed, names with path segments, and reports clone failures', async () => {
    const host = await h.call('docker_stack_deploy', {
      name: `${prefix}-x`,
      repository: 'https://example.com/a/b.git',
    });
    expect(host.content[0]!.text).toMatch(
      /ERR_INPUT_REJECTED.*host "example.com" is not in modules.docker.allowed_git_hosts/,
    );
    const creds = await h.call('docker_stack_deploy', {
      name: `${prefix}-x`,
      repository: 'https://u:p@example.com/a.git',
    });
    expect(creds.content[0]!.text).toMatch(/password/);
    const ext = await h.call('docker_stack_deploy', {
      name: `${prefix}-x`,
      repository: 'ext::sh -c touch% /tmp/pwned',
    });
    expect(ext.isError).toBe(true);
    const path = await h.call('docker_stack_deploy', { name: '../etc', repository: `file://${bare}` });
    expect(path.content[0]!.text).toMatch(/ERR_INPUT_REJECTED.*Stack name "..\/etc"/);
    const missing = await h.call('docker_stack_deploy', {
      name: `${prefix}-x`,
      repository: `file://${root}/nope.git`,
    });
    expect(missing.content[0]!.text).toMatch(/ERR_UPSTREAM_FAILED.*git clone failed/);
    expect(existsSync(join(stacksDir, `${prefix}-x`))).toBe(false);
    const outside = await h.call('docker_stack_deploy', {
      name: `${prefix}-y`,
      repository: `file://${bare}`,
      compose_file: '../../etc/passwd',
    });
    expect(outside.content[0]!.text).toMatch(/inside the repository/);
    const again = await h.call('docker_stack_deploy', { name: stack, repository: `file://${bare}` });
    expect(again.content[0]!.text).toMatch(/ERR_CONFLICT.*docker_stack_update/);
  });

  it('takes the stack down, then removes its checkout', async () => {
    expect(await h.ok('docker_stack_down', { name: stack })).toEqual({ stack, volumes_removed: false });
    expect(
      await engine.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${stack}`] } }),
    ).toEqual([]);
    const list = await h.ok('docker_stack_list');
    expect(list.stacks.find((s: { name: string }) => s.name === stack)).toMatchObject({
      status: 'not deployed',
    });
    const removed = await h.ok('docker_stack_remove', { name: stack });
    expect(removed.removed_dir).toBe(join(stacksDir, stack));
    expect(existsSync(join(stacksDir, stack))).toBe(false);
    const gone = await h.call('docker_stack_status', { name: stack });
    expect(gone.content[0]!.text).toContain('ERR_NOT_FOUND');
  });
});

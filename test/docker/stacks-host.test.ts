import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { hostFor } from '../ssh/fleet-support.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { BUSYBOX, cleanup, engine, testPrefix } from './support.ts';

/**
 * Stacks on a fleet host, for real: an OpenSSH sshd on loopback (its SFTP
 * subsystem with a 0077 umask, so only an exact chmod gives a file its mode),
 * the host's own docker CLI and compose (Debian's docker-compose v1, found by
 * detection as on any host) talking to this machine's engine — the same way
 * test/ssh/docker.test.ts reaches an engine over SSH.
 */
const prefix = testPrefix('hst');
const stack = `${prefix}-web`;
const SECRET = 'hunter2-shipped-only-77';

function composeText(command: string, extra = ''): string {
  return `version: "2.4"
services:
  app:
    image: ${BUSYBOX}
    command: ${command}
    restart: "no"
    stop_grace_period: 1s
    network_mode: none
    labels: ["tw-test=${prefix}"]
    environment:
      - APP_SECRET=\${APP_SECRET}
${extra}`;
}

interface Answer {
  isError: boolean;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  data: any;
  progress: string[];
}

describe('compose stacks on a fleet host (SFTP over the pinned SSH connection, compose run on the host)', {
  timeout: 240_000,
}, () => {
  let sshd: TestSshd;
  let gw: TestGateway;
  let client: Client;
  let root: string;
  let work: string;
  let bare: string;
  let remoteDir: string;
  let stacksDir: string;
  const gitIn = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
  const commit = (message: string) => {
    gitIn('add', '-A');
    gitIn('commit', '-q', '-m', message);
    gitIn('push', '-q', 'origin', 'HEAD:main');
    return gitIn('rev-parse', 'HEAD');
  };
  const call = async (name: string, args: Record<string, unknown>): Promise<Answer> => {
    const progress: string[] = [];
    const result = (await client.callTool({ name, arguments: args }, undefined, {
      onprogress: (p) => {
        if (p.message) progress.push(p.message);
        if (process.env.TW_DEBUG) console.log(Date.now(), p.message);
      },
      resetTimeoutOnProgress: true,
      timeout: 240_000,
    })) as { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
    return {
      isError: result.isError === true,
      text: result.content[0]?.text ?? '',
      data: result.structuredContent,
      progress,
    };
  };
  const onHost = (...parts: string[]) => join(remoteDir, ...parts);
  const mode = (path: string) => statSync(path).mode & 0o777;

  beforeAll(async () => {
    sshd = await startSshd({ sftpUmask: '0077' });
    root = mkdtempSync(join(tmpdir(), 'tw-test-hoststacks-'));
    bare = join(root, 'repo.git');
    work = join(root, 'work');
    stacksDir = join(root, 'gateway-stacks');
    remoteDir = join(root, 'on-host');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    execFileSync('git', ['clone', '-q', bare, work], { stdio: 'ignore' });
    gitIn('checkout', '-q', '-b', 'main');
    mkdirSync(join(work, 'scripts'));
    mkdirSync(join(work, 'conf'));
    writeFileSync(join(work, 'compose.yaml'), composeText('["sleep", "3600"]'));
    writeFileSync(join(work, 'scripts', 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(work, 'scripts', 'run.sh'), 0o755);
    writeFileSync(join(work, 'conf', 'app.conf'), 'level=info\n');
    writeFileSync(join(work, 'old.txt'), 'from the first revision\n');
    commit('first');
    gw = await startTestGateway({
      modules: [dockerModule as ToolModule, sshModule as ToolModule],
      config: {
        policy: { high: 'allow', critical: 'allow' },
        modules: {
          docker: {
            enabled: true,
            stacks_dir: stacksDir,
            allowed_git_hosts: ['local'],
            remote_stacks_dir: remoteDir,
            update_health_timeout: '30s',
            update_settle: '1s',
          },
          ssh: { enabled: true, hosts: [hostFor(sshd, 'engine', { docker: true }), hostFor(sshd, 'plain')] },
        },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin' }));
  });
  afterAll(async () => {
    for (const name of [stack, `${prefix}-cfg`]) {
      if (existsSync(onHost(name, 'compose.yaml')))
        execFileSync('docker-compose', ['-p', name, 'down'], { cwd: onHost(name), stdio: 'ignore' });
    }
    await gw?.close();
    await cleanup(prefix);
    await disposeSshd(sshd);
    rmSync(root, { recursive: true, force: true });
  });

  it('ships the project with exact modes and a 0600 .env, runs compose on the host, and waits for health', async () => {
    const deployed = await call('docker_stack_deploy', {
      host: 'engine',
      name: stack,
      repository: `file://${bare}`,
      environment: { APP_SECRET: SECRET },
    });
    expect(deployed.isError, deployed.text).toBe(false);
    expect(deployed.data).toMatchObject({
      stack,
      host: 'engine',
      commit: gitIn('rev-parse', 'HEAD'),
      services: [{ service: 'app', state: 'running' }],
    });
    expect(mode(onHost(stack, 'scripts', 'run.sh'))).toBe(0o755);
    expect(mode(onHost(stack, 'conf', 'app.conf'))).toBe(0o644);
    expect(mode(onHost(stack, 'conf'))).toBe(0o750);
    expect(mode(onHost(stack, '.env'))).toBe(0o600);
    expect(readFileSync(onHost(stack, '.env'), 'utf8')).toBe(`APP_SECRET=${SECRET}\n`);
    // The environment went over SSH only: not in the gateway's checkout or the progress; the audit log masks a secret-named value.
    const checkout = join(stacksDir, '@hosts', 'engine', stack);
    expect(existsSync(join(checkout, '.git'))).toBe(true);
    expect(existsSync(join(checkout, '.env'))).toBe(false);
    expect(JSON.stringify(await gw.auditRecords())).not.toContain(SECRET);
    expect(deployed.progress.join('\n')).not.toContain(SECRET);
    expect(deployed.progress.some((m) => m.includes('shipping 4 files'))).toBe(true);
    expect(deployed.progress.some((m) => m.includes('healthy'))).toBe(true);

    const [app] = await engine.listContainers({
      filters: { label: [`com.docker.compose.project=${stack}`] },
    });
    expect((await engine.getContainer(app!.Id).inspect()).Config.Env).toContain(`APP_SECRET=${SECRET}`);
    const status = await call('docker_stack_status', { host: 'engine', name: stack });
    expect(status.data).toMatchObject({
      managed: true,
      repository: `file://${bare}`,
      commit: deployed.data.commit,
    });
    const list = await call('docker_stack_list', { host: 'engine' });
    expect(list.data.stacks.find((s: { name: string }) => s.name === stack)).toMatchObject({ managed: true });
  });

  it('rolls back to the previous revision, files and containers, when the new one does not stay up', async () => {
    const good = gitIn('rev-parse', 'HEAD');
    writeFileSync(join(work, 'compose.yaml'), composeText('["sh", "-c", "exit 3"]'));
    writeFileSync(join(work, 'bad-only.txt'), 'only in the broken revision\n');
    const bad = commit('a revision whose app exits');
    const updated = await call('docker_stack_update', { host: 'engine', name: stack, pull: false });
    expect(updated.isError).toBe(true);
    expect(updated.text).toContain(`at ${bad.slice(0, 7)} did not become healthy on host engine`);
    expect(updated.text).toContain('app exited');
    expect(updated.text).toContain(`Rolled back to ${good.slice(0, 7)}; it runs again`);
    expect(existsSync(onHost(stack, 'bad-only.txt'))).toBe(false);
    expect(readFileSync(onHost(stack, 'compose.yaml'), 'utf8')).toContain('"sleep", "3600"');
    expect(JSON.parse(readFileSync(onHost(stack, '.tailwarden-manifest.json'), 'utf8')).commit).toBe(good);
    const status = await call('docker_stack_status', { host: 'engine', name: stack });
    expect(status.data.commit).toBe(good);
    expect(status.data.services).toMatchObject([{ service: 'app', state: 'running' }]);
  });

  it('updates to a good revision: removed files go, files the containers wrote stay, the .env stays', async () => {
    writeFileSync(join(work, 'compose.yaml'), composeText('["sleep", "3601"]'));
    unlinkSync(join(work, 'old.txt'));
    unlinkSync(join(work, 'bad-only.txt'));
    const next = commit('sleep longer, drop old.txt');
    mkdirSync(onHost(stack, 'data'));
    writeFileSync(onHost(stack, 'data', 'written-by-container.db'), 'runtime data');
    const updated = await call('docker_stack_update', { host: 'engine', name: stack, pull: false });
    expect(updated.isError, updated.text).toBe(false);
    expect(updated.data).toMatchObject({ to_commit: next, services: [{ service: 'app', state: 'running' }] });
    expect(existsSync(onHost(stack, 'old.txt'))).toBe(false);
    expect(readFileSync(onHost(stack, 'data', 'written-by-container.db'), 'utf8')).toBe('runtime data');
    expect(readFileSync(onHost(stack, '.env'), 'utf8')).toBe(`APP_SECRET=${SECRET}\n`);
  });

  it('never writes through a link planted on the host, and refuses repositories with symlinks', async () => {
    const victim = join(root, 'victim.conf');
    writeFileSync(victim, 'untouched\n');
    rmSync(onHost(stack, 'conf', 'app.conf'));
    symlinkSync(victim, onHost(stack, 'conf', 'app.conf'));
    writeFileSync(join(work, 'conf', 'app.conf'), 'level=debug\n');
    commit('debug logging');
    const updated = await call('docker_stack_update', { host: 'engine', name: stack, pull: false });
    expect(updated.isError, updated.text).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(readFileSync(onHost(stack, 'conf', 'app.conf'), 'utf8')).toBe('level=debug\n');

    // A directory link on the host is refused, not followed.
    const outside = join(root, 'outside');
    mkdirSync(outside);
    rmSync(onHost(stack, 'scripts'), { recursive: true });
    symlinkSync(outside, onHost(stack, 'scripts'));
    writeFileSync(join(work, 'scripts', 'run.sh'), '#!/bin/sh\necho changed\n');
    commit('change the script');
    const refused = await call('docker_stack_update', { host: 'engine', name: stack, pull: false });
    expect(refused.text).toContain('is a symlink, not a directory; refusing to write through it');
    expect(existsSync(join(outside, 'run.sh'))).toBe(false);
    rmSync(onHost(stack, 'scripts'));

    symlinkSync('conf/app.conf', join(work, 'link.conf'));
    commit('a symlink in the repository');
    const linked = await call('docker_stack_deploy', {
      host: 'engine',
      name: `${prefix}-lnk`,
      repository: `file://${bare}`,
    });
    expect(linked.text).toContain('has a symlink at "link.conf"');
    expect(existsSync(join(stacksDir, '@hosts', 'engine', `${prefix}-lnk`))).toBe(false);
    unlinkSync(join(work, 'link.conf'));
    commit('no symlink');
  });

  it("keeps .env values out of compose's own error words", async () => {
    const cfg = `${prefix}-cfg`;
    writeFileSync(join(work, 'compose.yaml'), composeText('["sleep", "3600"]', `    cpus: \${APP_SECRET}\n`));
    commit('cpus from the environment');
    const failed = await call('docker_stack_deploy', {
      host: 'engine',
      name: cfg,
      repository: `file://${bare}`,
      environment: { APP_SECRET: SECRET },
    });
    expect(failed.text).toContain('The compose file is invalid');
    expect(failed.text).toContain('[redacted]');
    expect(failed.text).not.toContain(SECRET);
    expect(JSON.stringify(await gw.auditRecords())).not.toContain(SECRET);
    // Nothing half-made is left: neither the checkout nor the directory on the host.
    expect(existsSync(join(stacksDir, '@hosts', 'engine', cfg))).toBe(false);
    expect(existsSync(onHost(cfg))).toBe(false);
    writeFileSync(join(work, 'compose.yaml'), composeText('["sleep", "3600"]'));
    commit('fixed');
  });

  it('needs docker: true on the host, and removes the stack from the host', async () => {
    const plain = await call('docker_stack_deploy', {
      host: 'plain',
      name: `${prefix}-p`,
      repository: `file://${bare}`,
    });
    expect(plain.text).toContain('docker: true');
    const removed = await call('docker_stack_remove', { host: 'engine', name: stack });
    expect(removed.isError, removed.text).toBe(false);
    expect(removed.data).toMatchObject({ removed_dir: onHost(stack) });
    expect(existsSync(onHost(stack))).toBe(false);
    expect(existsSync(join(stacksDir, '@hosts', 'engine', stack))).toBe(false);
    expect(
      await engine.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${stack}`] } }),
    ).toEqual([]);
  });
});

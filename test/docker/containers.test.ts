import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanup,
  type DockerHarness,
  engine,
  runContainer,
  startDockerHarness,
  testPrefix,
  waitFor,
} from './support.ts';

const prefix = testPrefix('ctr');
const SCRIPT = [
  'echo "starting up"',
  'echo "warning: disk low" >&2',
  'i=0; while [ $i -lt 5 ]; do echo "tick $i"; i=$((i+1)); done',
  'echo "ERROR: lost connection" >&2',
  'echo "last line"',
  'exec sleep 3600',
].join('; ');

describe('docker containers on a real engine', () => {
  let h: DockerHarness;

  beforeAll(async () => {
    h = await startDockerHarness();
    await runContainer(prefix, 'web', {
      Cmd: ['sh', '-c', SCRIPT],
      Env: [
        'DB_PASSWORD=hunter2',
        'API_KEY=abc123',
        'PLAIN=visible',
        'DATABASE_URL=postgres://app:s3cret@db:5432/app',
      ],
      Labels: { 'com.docker.compose.project': `${prefix}-proj`, 'com.docker.compose.service': 'web' },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' }, NetworkMode: 'none' },
    });
    await runContainer(prefix, 'stopped', { start: false });
    await runContainer(prefix, 'tty', { Tty: true, Cmd: ['sh', '-c', 'echo tty line; exec sleep 3600'] });
    await waitFor(async () => {
      const logs = await engine
        .getContainer(`${prefix}-web`)
        .logs({ stdout: true, stderr: true, follow: false });
      return logs.toString().includes('last line');
    }, 'container logs');
  });
  afterAll(async () => {
    await h?.close();
    await cleanup(prefix);
  });

  it('lists running containers, and all with all: true, with compose project and service', async () => {
    const running = await h.ok('docker_container_list', { name: prefix });
    const names = running.containers.map((c: { name: string }) => c.name);
    expect(names).toContain(`${prefix}-web`);
    expect(names).not.toContain(`${prefix}-stopped`);
    const web = running.containers.find((c: { name: string }) => c.name === `${prefix}-web`);
    expect(web).toMatchObject({
      state: 'running',
      project: `${prefix}-proj`,
      service: 'web',
      image: 'tailwarden-test-busybox:latest',
    });

    const all = await h.ok('docker_container_list', { name: prefix, all: true });
    expect(all.count).toBe(3);
    const exited = await h.ok('docker_container_list', { name: prefix, state: 'created' });
    expect(exited.containers.map((c: { name: string }) => c.name)).toEqual([`${prefix}-stopped`]);
    const byProject = await h.ok('docker_container_list', { project: `${prefix}-proj` });
    expect(byProject.containers.map((c: { name: string }) => c.name)).toEqual([`${prefix}-web`]);
    const byLabel = await h.ok('docker_container_list', { label: [`tw-test=${prefix}`], all: true });
    expect(byLabel.count).toBe(3);
  });

  it('renders the list as TOON, smaller than JSON', async () => {
    const json = await h.call('docker_container_list', { name: prefix, all: true });
    const toon = await h.call('docker_container_list', { name: prefix, all: true, format: 'toon' });
    expect(toon.content[0]!.text).toContain('containers[3');
    expect(toon.content[0]!.text.length).toBeLessThan(json.content[0]!.text.length);
    expect(toon.structuredContent).toEqual(json.structuredContent);
  });

  it('inspects a container; secret values are masked for a caller without secrets:read', async () => {
    const viewer = await h.gw.client(await h.gw.token({ role: 'viewer' }));
    const masked = (await viewer.callTool({
      name: 'docker_container_inspect',
      arguments: { container: `${prefix}-web` },
    })) as unknown as { structuredContent: { env: string[] } };
    expect(masked.structuredContent.env).toEqual(
      expect.arrayContaining([
        'DB_PASSWORD=[secret: 7 chars]',
        'API_KEY=[secret: 6 chars]',
        'PLAIN=visible',
        'DATABASE_URL=postgres://app:[secret: 6 chars]@db:5432/app',
      ]),
    );
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|abc123|s3cret/);
    // An admin holds secrets:read and reads them as they are.
    const info = await h.ok('docker_container_inspect', { container: `${prefix}-web` });
    expect(info.env).toContain('DB_PASSWORD=hunter2');
    expect(info.restart_policy).toBe('unless-stopped');
    expect(info.state.running).toBe(true);
    expect(info.command).toEqual(['sh', '-c', SCRIPT]);
  });

  it("leaves out the engine's zero times instead of passing them on", async () => {
    // Never started: Docker says 0001-01-01T00:00:00Z for both; running: the last stop time is stale.
    const never = await h.ok('docker_container_inspect', { container: `${prefix}-stopped` });
    expect(never.state.running).toBe(false);
    expect(never.state).not.toHaveProperty('started_at');
    expect(never.state).not.toHaveProperty('finished_at');
    const running = await h.ok('docker_container_inspect', { container: `${prefix}-web` });
    expect(Date.parse(running.state.started_at)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(running.state).not.toHaveProperty('finished_at');
    expect(JSON.stringify([never, running])).not.toContain('0001-01-01');
  });

  it('neither lists nor quietly ignores a fleet host when no fleet host runs Docker', async () => {
    const listed = (await h.client.listTools()).tools.find((t) => t.name === 'docker_container_list')!;
    expect(Object.keys(listed.inputSchema.properties!)).not.toContain('host');
    expect(listed.annotations?.openWorldHint).toBe(false);
    const refused = await h.call('docker_container_list', { host: 'nas' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(
      /ERR_INPUT_REJECTED.*host: Docker on another host goes over SSH.*add the host with docker: true; leave out host/,
    );
  });

  it('answers an unknown name with close suggestions', async () => {
    const result = await h.call('docker_container_inspect', { container: `${prefix}-wbe` });
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('ERR_NOT_FOUND');
    expect(result.content[0]!.text).toContain(`Did you mean "${prefix}-web"`);
  });

  it('reads one-shot stats of a running container and refuses a stopped one clearly', async () => {
    const stats = await h.ok('docker_container_stats', { container: `${prefix}-web` });
    const raw = await engine.getContainer(`${prefix}-web`).stats({ stream: false });
    if (String(raw.read).startsWith('0001-01-01')) {
      // This engine cannot read cgroup counters (nested, cgroup v1 without controllers): the tool must say so.
      expect(stats.note).toMatch(/cgroup counters/);
      expect(stats.memory_bytes).toBe(0);
    } else {
      expect(stats.note).toBeUndefined();
      expect(stats.memory_bytes).toBeGreaterThan(0);
      expect(stats.memory_limit_bytes).toBeGreaterThan(0);
      expect(stats.pids).toBeGreaterThanOrEqual(1);
    }
    expect(stats.cpu_percent).toBeGreaterThanOrEqual(0);
    const stopped = await h.call('docker_container_stats', { container: `${prefix}-stopped` });
    expect(stopped.content[0]!.text).toMatch(/ERR_CONFLICT.*docker_container_start/);
  });

  it('demultiplexes stdout and stderr, filters, tails and caps logs', async () => {
    const logs = await h.ok('docker_container_logs', { container: `${prefix}-web` });
    // stdout and stderr are separate pipes: order is kept within a stream, not across them.
    expect(logs.lines.find((l: { stream: string }) => l.stream === 'stdout')).toEqual({
      stream: 'stdout',
      text: 'starting up',
    });
    expect(logs.lines).toContainEqual({ stream: 'stderr', text: 'warning: disk low' });
    expect(logs.lines).toContainEqual({ stream: 'stderr', text: 'ERROR: lost connection' });
    expect(logs.lines).toContainEqual({ stream: 'stdout', text: 'last line' });
    expect(logs.count).toBe(9);

    const errors = await h.ok('docker_container_logs', { container: `${prefix}-web`, stream: 'stderr' });
    expect(errors.lines.map((l: { text: string }) => l.text)).toEqual([
      'warning: disk low',
      'ERROR: lost connection',
    ]);
    const grep = await h.ok('docker_container_logs', { container: `${prefix}-web`, grep: 'TICK' });
    expect(grep.count).toBe(5);
    expect(grep.scanned).toBe(9);
    const tail = await h.ok('docker_container_logs', { container: `${prefix}-web`, tail: 3 });
    expect(tail.count).toBe(3);
    expect(tail.lines.map((l: { text: string }) => l.text)).toContain('last line');
    const stamped = await h.ok('docker_container_logs', {
      container: `${prefix}-web`,
      tail: 1,
      timestamps: true,
    });
    expect(stamped.lines[0].text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z /);
    const future = await h.ok('docker_container_logs', {
      container: `${prefix}-web`,
      since: '2999-01-01T00:00:00Z',
    });
    expect(future.count).toBe(0);
    // The gateway's one time grammar (util/when.ts), as every tool takes it.
    for (const since of ['1h', '1h ago', 'today', 'yesterday 00:00']) {
      const recent = await h.ok('docker_container_logs', { container: `${prefix}-web`, since });
      expect(recent.count, `since ${since}`).toBe(9);
    }
    const window = await h.ok('docker_container_logs', {
      container: `${prefix}-web`,
      since: '2h ago',
      until: 'in 1h',
    });
    expect(window.count).toBe(9);
    const bad = await h.call('docker_container_logs', { container: `${prefix}-web`, since: 'last tuesday' });
    expect(bad.content[0]!.text).toMatch(/ERR_INPUT_REJECTED.*since: not a time; use .*2h ago/);

    const tty = await h.ok('docker_container_logs', { container: `${prefix}-tty` });
    expect(tty.lines).toEqual([{ stream: 'stdout', text: 'tty line' }]);
  });

  it('caps logs at modules.docker.logs_max_bytes, keeping the newest lines', async () => {
    const small = await startDockerHarness({ config: { modules: { docker: { logs_max_bytes: 30 } } } });
    try {
      // stdout only: the engine does not promise the order of lines across stdout and stderr.
      const logs = await small.ok('docker_container_logs', { container: `${prefix}-web`, stream: 'stdout' });
      expect(logs.truncated).toBe(true);
      expect(logs.note).toMatch(
        /logs_max_bytes \(30 bytes\); narrow with since\/until, grep or a smaller tail/,
      );
      expect(logs.lines.at(-1).text).toBe('last line');
      expect(logs.lines.map((l: { text: string }) => l.text).join('\n').length).toBeLessThanOrEqual(30);
    } finally {
      await small.close();
    }
  });

  it('analyzes the demultiplexed lines with the shared log analyzer', async () => {
    const result = await h.ok('docker_container_logs_analyze', { container: `${prefix}-web`, grep: 'error' });
    expect(result).toMatchObject({ lines_analyzed: 1, analysis: { total_lines: 1 } });
    expect(result.analysis.by_severity.error).toBe(1);
    expect(result.analysis.top_messages[0].example).toBe('ERROR: lost connection'); // no timestamp in it
    // The engine's timestamps are always read for the analysis, so its time part is filled.
    expect(result.analysis.lines_with_time).toBe(1);
    expect(Date.parse(result.analysis.first)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(result.analysis.histogram.buckets.length).toBeGreaterThan(0);
    const listed = (await h.client.listTools()).tools.find((t) => t.name === 'docker_container_logs_analyze');
    expect(Object.keys(listed!.inputSchema.properties!)).not.toContain('timestamps');
  });

  it('stops, starts, restarts, pauses and unpauses, reporting the state after each', async () => {
    const name = `${prefix}-web`;
    expect(await h.ok('docker_container_stop', { container: name })).toMatchObject({
      state: 'exited',
      changed: true,
    });
    expect(await h.ok('docker_container_stop', { container: name })).toMatchObject({
      state: 'exited',
      changed: false,
    });
    expect(await h.ok('docker_container_start', { container: name })).toMatchObject({
      state: 'running',
      changed: true,
    });
    const before = (await engine.getContainer(name).inspect()).State.StartedAt;
    expect(await h.ok('docker_container_restart', { container: name })).toMatchObject({ state: 'running' });
    expect((await engine.getContainer(name).inspect()).State.StartedAt).not.toBe(before);
    expect(await h.ok('docker_container_pause', { container: name })).toMatchObject({ state: 'paused' });
    expect(await h.ok('docker_container_unpause', { container: name })).toMatchObject({ state: 'running' });
  });

  it('refuses to remove a running container without force, then removes it', async () => {
    await runContainer(prefix, 'doomed');
    const refused = await h.call('docker_container_remove', { container: `${prefix}-doomed` });
    expect(refused.content[0]!.text).toMatch(/ERR_CONFLICT.*force: true/);
    expect(
      await h.ok('docker_container_remove', { container: `${prefix}-doomed`, force: true }),
    ).toMatchObject({
      removed: true,
    });
    await expect(engine.getContainer(`${prefix}-doomed`).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('hides write tools from a viewer and refuses their calls', async () => {
    const viewer = await h.gw.client(await h.gw.token({ role: 'viewer' }));
    const names = (await viewer.listTools()).tools.map((t) => t.name);
    expect(names).toContain('docker_container_list');
    expect(names).not.toContain('docker_container_stop');
    const result = (await viewer.callTool({
      name: 'docker_container_stop',
      arguments: { container: `${prefix}-web` },
    })) as {
      isError?: boolean;
      content: { text: string }[];
    };
    expect(result.content[0]!.text).toContain('ERR_PERMISSION_DENIED');
    expect((await engine.getContainer(`${prefix}-web`).inspect()).State.Running).toBe(true);
  });

  it('keeps secrets out of the audit log', async () => {
    const records = JSON.stringify(await h.gw.auditRecords());
    expect(records).toContain('docker_container_inspect');
    expect(records).not.toMatch(/hunter2|abc123|s3cret/);
  });
});

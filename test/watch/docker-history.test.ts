import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { cleanup, runContainer, testPrefix } from '../docker/support.ts';
import { collectUntil, startWatchHarness, type WatchHarness } from './support.ts';

/**
 * History and alerts against the real host and a real Docker engine: containers that burn
 * CPU, leak memory until the kernel OOM-kills them, crash-loop, and turn unhealthy.
 * Time for the collector is moved by hand; the containers live in real time.
 */
describe('watch: history and alerts from the real host and Docker engine', { timeout: 180_000 }, () => {
  const prefix = testPrefix('watch');
  let h: WatchHarness;
  const name = (n: string) => `${prefix}-${n}`;

  beforeAll(async () => {
    h = await startWatchHarness({
      modules: [systemModule as ToolModule, dockerModule as ToolModule],
      config: { watch: { units_interval: '1h', updates_interval: '30d' } },
    });
    await runContainer(prefix, 'burner', { Cmd: ['sh', '-c', 'while :; do :; done'] });
    await runContainer(prefix, 'leaker', {
      Cmd: ['sh', '-c', 'sleep 2; x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'],
      HostConfig: { NetworkMode: 'none', Memory: 24 * 1024 * 1024, MemorySwap: 24 * 1024 * 1024 },
    });
    await runContainer(prefix, 'crasher', {
      Cmd: ['sh', '-c', 'sleep 1; echo dying; exit 3'],
      HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'always' } },
    });
    await runContainer(prefix, 'sick', {
      Healthcheck: { Test: ['CMD', 'false'], Interval: 1_000_000_000, Retries: 1, Timeout: 1_000_000_000 },
    });
  });

  afterAll(async () => {
    await h?.close();
    await cleanup(prefix);
  });

  it('records container CPU and ranks the burner first among containers over the range', async () => {
    await collectUntil(
      h,
      async () => {
        const top = await h.ok('watch_top', { by: 'cpu', from: '10m ago' });
        return top.consumers.some(
          (c: { kind: string; name: string }) => c.kind === 'container' && c.name === name('burner'),
        );
      },
      'the burner in watch_top',
    );
    const top = await h.ok('watch_top', { by: 'cpu', from: '10m ago', limit: 50 });
    const containers = top.consumers.filter((c: { kind: string }) => c.kind === 'container');
    expect(containers[0].name).toBe(name('burner'));
    expect(containers[0].peak_cpu_percent).toBeGreaterThan(5);
    const processes = top.consumers.filter((c: { kind: string }) => c.kind === 'process');
    expect(processes.length).toBeGreaterThan(0);
    const history = await h.ok('watch_history', {
      series: 'docker.container.cpu.percent',
      match: { container: name('burner') },
      from: '10m ago',
      step: '1m',
    });
    expect(history.results).toHaveLength(1);
    expect(Math.max(...history.results[0].points.map((p: { max: number }) => p.max))).toBeGreaterThan(5);
  });

  it('records host CPU, memory and disks at full resolution', async () => {
    const cpu = await h.ok('watch_history', { series: 'host.cpu.percent', from: '10m ago', step: '15s' });
    expect(cpu.results[0].points.length).toBeGreaterThan(1);
    const disks = await h.ok('watch_history', { series: 'host.disk.used_percent', from: '10m ago' });
    expect(disks.results.length).toBeGreaterThan(0);
    const series = await h.ok('watch_series_list', { prefix: 'docker.' });
    const memory = series.series.find((s: { name: string }) => s.name === 'docker.container.memory.bytes');
    expect(memory.labels).toContainEqual({ container: name('burner') });
  });

  it('sees the leaker OOM-killed: an event, an oom_kill alert and a container_exited alert', async () => {
    const open = async (rule: string, container: string) =>
      (await h.ok('watch_alerts_list', {})).alerts.find(
        (a: { rule: string; labels: { container?: string } }) =>
          a.rule === rule && a.labels.container === container,
      );
    await collectUntil(h, async () => Boolean(await open('oom-kill', name('leaker'))), 'the oom-kill alert');
    await collectUntil(
      h,
      async () => Boolean(await open('container-exited', name('leaker'))),
      'the exited alert',
    );
    const events = await h.ok('watch_events', { from: '30m ago', to: 'in 1h', subject: name('leaker') });
    const kinds = events.items.map((e: { kind: string }) => e.kind);
    expect(kinds).toContain('container.oom');
    expect(kinds).toContain('container.die');
    const alert = await open('container-exited', name('leaker'));
    expect(alert.summary).toContain('exit code 137');
  });

  it('sees the crash loop and the unhealthy container as alerts', async () => {
    const open = async (rule: string, container: string) =>
      (await h.ok('watch_alerts_list', {})).alerts.some(
        (a: { rule: string; labels: { container?: string } }) =>
          a.rule === rule && a.labels.container === container,
      );
    await collectUntil(h, () => open('container-restart-loop', name('crasher')), 'the restart-loop alert');
    await collectUntil(h, () => open('container-unhealthy', name('sick')), 'the unhealthy alert');
    expect(await open('container-unhealthy', name('burner'))).toBe(false);
  });

  it('refuses a query that would return too many points, saying which step works', async () => {
    const result = await h.call('watch_history', { series: 'host.cpu.percent', from: '30d ago', step: '1m' });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/at most 2000 are returned.*step of at least/);
  });

  it('keeps Docker history from a caller without docker:read', async () => {
    const viewer = await h.gw.client(await h.gw.token({ permissions: ['system:read'] }));
    const result = (await viewer.callTool({
      name: 'watch_history',
      arguments: { series: 'docker.container.cpu.percent' },
    })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('docker:read');
    const top = (await viewer.callTool({ name: 'watch_top', arguments: { from: '10m ago' } })) as unknown as {
      structuredContent: { consumers: { kind: string }[] };
    };
    expect(top.structuredContent.consumers.every((c) => c.kind === 'process')).toBe(true);
    const alerts = (await viewer.callTool({ name: 'watch_alerts_list', arguments: {} })) as unknown as {
      structuredContent: { alerts: { area: string }[] };
    };
    expect(alerts.structuredContent.alerts.every((a) => a.area === 'system')).toBe(true);
  });
});

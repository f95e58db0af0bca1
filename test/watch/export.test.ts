import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { decodeWriteRequest, encodeWriteRequest } from '../../src/watch/export/remote-write.ts';
import { Receiver } from './receiver.ts';
import { startWatchHarness, type WatchHarness } from './support.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const hasPrometheus = (() => {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A real Prometheus (Debian's 2.42) on loopback, receiving remote write; storage in a temp dir. */
async function startPrometheus(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('prometheus did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!hasPrometheus)(
  'watch: export to Prometheus (remote write) and OTLP/HTTP',
  { timeout: 180_000 },
  () => {
    let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
    const otlp = new Receiver();
    let h: WatchHarness;

    beforeAll(async () => {
      prometheus = await startPrometheus();
      await otlp.start();
      h = await startWatchHarness({
        modules: [systemModule as ToolModule],
        config: {
          watch: {
            units_interval: '1h',
            updates_interval: '30d',
            export: {
              prometheus: { url: `${prometheus.url}/api/v1/write` },
              otlp: { url: `${otlp.url}/v1/metrics` },
            },
          },
        },
      });
      for (let i = 0; i < 3; i++) await h.collect();
    });
    afterAll(async () => {
      await h?.close();
      prometheus?.stop();
      await otlp.close();
    });

    it('writes samples Prometheus accepts and answers queries about', async () => {
      await h.watch.exporter.flush();
      const [status] = h.watch.exporter.status();
      expect(status).toMatchObject({ target: 'prometheus', failures: 0, dropped: 0 });
      expect(status!.sent).toBeGreaterThan(10);
      const at = h.clock.now() / 1000;
      const query = async (q: string) =>
        (await (
          await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`)
        ).json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
      const cpu = await query('tailwarden_host_cpu_percent');
      expect(cpu.data.result).toHaveLength(1);
      expect(cpu.data.result[0]!.metric).toMatchObject({ job: 'tailwarden', instance: expect.any(String) });
      const disks = await query('tailwarden_host_disk_used_percent');
      expect(disks.data.result.length).toBeGreaterThan(0);
      expect(disks.data.result[0]!.metric.mount).toBeDefined();
      const count = await query('count_over_time(tailwarden_host_load_1[5m])');
      expect(Number(count.data.result[0]!.value[1])).toBeGreaterThanOrEqual(3);
    });

    it('sends OTLP/HTTP metrics as JSON a collector can decode', async () => {
      await h.watch.exporter.flush();
      const [request] = await otlp.waitFor('/v1/metrics', 1);
      expect(request!.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request!.body.toString());
      const resource = body.resourceMetrics[0];
      expect(resource.resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'tailwarden' },
      });
      const metrics = resource.scopeMetrics[0].metrics as {
        name: string;
        gauge: { dataPoints: { asDouble: number; timeUnixNano: string }[] };
      }[];
      const cpu = metrics.find((m) => m.name === 'tailwarden.host.cpu.percent')!;
      expect(cpu.gauge.dataPoints.length).toBeGreaterThanOrEqual(2);
      expect(typeof cpu.gauge.dataPoints[0]!.asDouble).toBe('number');
      expect(BigInt(cpu.gauge.dataPoints[0]!.timeUnixNano)).toBeGreaterThan(1_600_000_000_000_000_000n);
    });

    it('retries a failing receiver and keeps the batch until it answers', async () => {
      otlp.failNext = 2;
      await h.collect();
      const before = otlp.ok('/v1/metrics').length;
      await h.watch.exporter.flush();
      expect(otlp.ok('/v1/metrics').length).toBe(before + 1);
      expect(h.watch.exporter.status().find((s) => s.target === 'otlp')).toMatchObject({
        failures: 2,
        dropped: 0,
      });
    });

    it('encodes remote write as snappy-compressed protobuf with sorted labels', () => {
      const body = encodeWriteRequest(
        [{ name: 'host.load.1', labels: { b: '2', a: '1' }, value: 0.5, t: 1000 }],
        {
          job: 'x',
        },
      );
      const decoded = decodeWriteRequest(body);
      expect(decoded.timeseries[0]!.labels.map((l) => l.name)).toEqual(['__name__', 'a', 'b', 'job']);
      expect(decoded.timeseries[0]!.samples).toEqual([{ value: 0.5, timestamp: 1000 }]);
    });
  },
);

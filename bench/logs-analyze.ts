/**
 * Log analysis throughput and peak RSS on a 100,000-line journal export
 * (`journalctl -o json`), produced by real journald in the systemd test host
 * (image from .ci/setup-system-host.sh). The export is streamed line by line.
 *   npx node bench/logs-analyze.ts [lines]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LogAnalyzer } from '../src/modules/system/logs-analyzer.ts';
import { SystemdHost } from '../test/system/systemd-host.ts';

const wanted = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'tw-bench-logs-'));
const exportPath = join(dir, 'journal.jsonl');
const host = new SystemdHost();
try {
  host.start();
  // Persistent journal: the runtime one in /run is small and would rotate lines away.
  host.exec(['mkdir', '-p', '/var/log/journal']);
  host.exec(['systemctl', 'restart', 'systemd-journald']);
  // A web-ish service, an sshd-ish flood of failed logins, and a crash-looping unit, all through journald.
  const loop = (n: number, body: string) => `i=0; while [ $i -lt ${n} ]; do ${body}; i=$((i+1)); done`;
  // journald drops some of a burst this large, so ask for a third more and export the last `wanted`.
  const per = Math.ceil((wanted * 1.35) / 4);
  const units: Record<string, string> = {
    'bench-web': loop(
      per * 2,
      'echo "GET /api/items/$i 200 $((i % 97))ms from 10.0.$((i % 7)).$((i % 250))"',
    ),
    'bench-auth': loop(
      per,
      'echo "Failed password for invalid user admin$((i % 13)) from 203.0.113.$((i % 50)) port $((40000 + i % 20000)) ssh2"',
    ),
    'bench-err': loop(per, 'echo "error: upstream 10.0.0.$((i % 9)):5432 Connection refused (attempt $i)"'),
  };
  for (const [name, script] of Object.entries(units)) {
    host.writeFile(
      `/etc/systemd/system/${name}.service`,
      `[Service]\nType=oneshot\nLogRateLimitIntervalSec=0\nExecStart=/bin/sh -c '${script}'\n`,
    );
  }
  host.exec(['systemctl', 'daemon-reload']);
  host.exec(['systemctl', 'start', ...Object.keys(units).map((u) => `${u}.service`)]);
  const out = openSync(exportPath, 'w');
  spawnSync('docker', ['exec', host.name, 'journalctl', '--no-pager', '-o', 'json', '-n', String(wanted)], {
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
} finally {
  host.stop();
}

const rssBefore = process.memoryUsage().rss;
const analyzer = new LogAnalyzer();
const start = performance.now();
const cpuStart = process.cpuUsage();
let lines = 0;
for await (const line of createInterface({ input: createReadStream(exportPath), crlfDelay: Infinity })) {
  analyzer.add(line);
  lines++;
}
const result = analyzer.result();
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(`journal export: ${lines} lines, ${(statSync(exportPath).size / 1024 / 1024).toFixed(1)} MiB`);
console.log(
  `throughput: ${Math.round(lines / seconds).toLocaleString('en')} lines/s wall (${seconds.toFixed(2)} s), ${Math.round(lines / cpuSeconds).toLocaleString('en')} lines per CPU-second`,
);
console.log(
  `peak RSS: ${peakRssMiB.toFixed(0)} MiB (RSS before analysis ${(rssBefore / 1024 / 1024).toFixed(0)} MiB)`,
);
console.log(
  `findings: ${result.findings.map((f) => `${f.kind}=${f.count}`).join(', ')}; distinct messages: ${result.distinct_messages}`,
);
rmSync(dir, { recursive: true, force: true });

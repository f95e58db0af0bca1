// Measures the SSH fleet against real OpenSSH servers on loopback:
//  1. 100 sequential catalog commands on one host over the pooled connection
//     versus a new connection for each: median per command and the ratio;
//  2. fleet_status over 3 hosts where one is down (accepts TCP, never speaks SSH):
//     the total should be about the per-host timeout, not the sum.
// Run: node bench/ssh-pool.ts   (as root, like the tests; needs /usr/sbin/sshd)
import { createServer, type Socket } from 'node:net';
import { execOn } from '../src/modules/ssh/exec.ts';
import { commandLine } from '../src/modules/ssh/quote.ts';
import { fleetStatus } from '../src/modules/ssh/status.ts';
import { hostFor, testFleet } from '../test/ssh/fleet-support.ts';
import { disposeSshd, freePort, startSshd } from '../test/support/sshd.ts';

const RUNS = 100;
const never = new AbortController().signal;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

const alpha = await startSshd();
const beta = await startSshd({ address: '127.0.0.2', userKeyFile: alpha.userKeyFile });
const silentPort = await freePort('127.0.0.3');
const held: Socket[] = [];
const silent = createServer((socket) => held.push(socket)).listen(silentPort, '127.0.0.3');

const perHostTimeout = 5000;
const t = testFleet({
  hosts: [
    hostFor(alpha, 'alpha'),
    hostFor(beta, 'beta'),
    { ...hostFor(alpha, 'silent'), address: '127.0.0.3', port: silentPort },
  ],
  connect_timeout: '10s',
});

try {
  const entry = t.fleet.entry('uptime');
  await t.fleet.run('alpha', entry, {}, never); // open the pooled connection first
  const pooled: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await t.fleet.run('alpha', entry, {}, never);
    pooled.push(performance.now() - started);
  }
  const fresh: number[] = [];
  const host = t.fleet.hosts.get('alpha');
  const line = commandLine(entry.argv);
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const client = await t.fleet.pool.connect(host);
    await execOn(client, line, { timeout: 30_000, outputCap: 1 << 20, signal: never });
    client.end();
    fresh.push(performance.now() - started);
  }
  const p = median(pooled);
  const f = median(fresh);
  console.log(`catalog command "uptime", ${RUNS} sequential runs on one host`);
  console.log(`  pooled connection:        median ${ms(p)}  (total ${ms(pooled.reduce((a, b) => a + b))})`);
  console.log(`  new connection each time: median ${ms(f)}  (total ${ms(fresh.reduce((a, b) => a + b))})`);
  console.log(`  ratio new/pooled:         ${(f / p).toFixed(1)}x`);

  const started = performance.now();
  const status = await fleetStatus(t.fleet, ['alpha', 'beta', 'silent'], perHostTimeout, never);
  const total = performance.now() - started;
  console.log(
    `fleet_status over 3 hosts, "silent" accepts TCP but never answers; per-host timeout ${perHostTimeout} ms`,
  );
  for (const h of status.hosts)
    console.log(
      `  ${h.host.padEnd(7)} answered=${h.answered} ${h.duration_ms} ms${h.error ? ` (${h.error})` : ''}`,
    );
  console.log(
    `  total ${ms(total)}  (sum of per-host durations ${status.hosts.reduce((a, h) => a + h.duration_ms, 0)} ms)`,
  );
} finally {
  await t.close();
  for (const socket of held) socket.destroy();
  silent.close();
  await disposeSshd(alpha);
  await disposeSshd(beta);
}

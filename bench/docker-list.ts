/**
 * Container list with 50 running containers: median latency of
 * docker_container_list over real MCP/HTTP vs `docker ps` in the same run,
 * and the size of its JSON vs TOON text. Run: node bench/docker-list.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dockerModule } from '../src/modules/docker/index.ts';
import type { ToolModule } from '../src/modules/types.ts';
import { BUSYBOX, cleanup, engine, testPrefix } from '../test/docker/support.ts';
import { startTestGateway } from '../test/support/gateway.ts';

const run = promisify(execFile);
const COUNT = 50;
const ROUNDS = 30;
const prefix = testPrefix('bench');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

console.log(`starting ${COUNT} containers…`);
for (let i = 0; i < COUNT; i += 10) {
  await Promise.all(
    Array.from({ length: Math.min(10, COUNT - i) }, async (_, j) => {
      const c = await engine.createContainer({
        Image: BUSYBOX,
        Cmd: ['sleep', '3600'],
        name: `${prefix}-${i + j}`,
        Labels: {
          'tw-test': prefix,
          'com.docker.compose.project': `${prefix}-proj`,
          'com.docker.compose.service': `svc${(i + j) % 5}`,
        },
        StopTimeout: 1,
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
    }),
  );
}
const gw = await startTestGateway({ modules: [dockerModule as ToolModule] });
try {
  const client = await gw.client(await gw.token({ role: 'viewer' }));
  const args = { name: prefix };
  const mcp = () => client.callTool({ name: 'docker_container_list', arguments: args });
  const cli = () => run('docker', ['ps', '--filter', `name=${prefix}`, '--format', '{{json .}}']);
  for (let i = 0; i < 3; i++) await Promise.all([mcp(), cli()]); // warm up
  const mcpTimes: number[] = [];
  const cliTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    mcpTimes.push(await time(mcp));
    cliTimes.push(await time(cli));
  }
  const json = (await mcp()) as unknown as {
    content: { text: string }[];
    structuredContent: { count: number };
  };
  const toon = (await client.callTool({
    name: 'docker_container_list',
    arguments: { ...args, format: 'toon' },
  })) as {
    content: { text: string }[];
  };
  const jsonChars = json.content[0]!.text.length;
  const toonChars = toon.content[0]!.text.length;
  console.log(`containers listed: ${json.structuredContent.count}`);
  console.log(
    `docker_container_list (MCP over HTTP): median ${median(mcpTimes).toFixed(1)} ms over ${ROUNDS} rounds`,
  );
  console.log(
    `docker ps --format '{{json .}}':        median ${median(cliTimes).toFixed(1)} ms over ${ROUNDS} rounds`,
  );
  console.log(
    `JSON text: ${jsonChars} chars; TOON text: ${toonChars} chars (${(100 - (toonChars / jsonChars) * 100).toFixed(1)} % smaller)`,
  );
} finally {
  await gw.close();
  await cleanup(prefix);
}

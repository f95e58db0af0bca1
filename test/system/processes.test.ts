import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ok } from './helpers.ts';

interface Row {
  pid: number;
  name: string;
  thread_name?: string;
  command: string;
  started: string;
}

describe('system_processes_top on this host', () => {
  let gw: TestGateway;
  let client: Client;
  let busy: ChildProcess;

  beforeAll(async () => {
    // A busy shell that renames its main thread, as Python and browsers do ("MainThread").
    busy = spawn('sh', ['-c', 'printf MainThread > /proc/$$/comm; while :; do :; done'], { stdio: 'ignore' });
    for (let i = 0; i < 500; i++) {
      if (readFileSync(`/proc/${busy.pid}/comm`, 'utf8').trim() === 'MainThread') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    gw = await startTestGateway({ modules: [systemModule as ToolModule] });
    client = await gw.client(await gw.token({ role: 'viewer' }));
  });
  afterAll(async () => {
    busy?.kill('SIGKILL');
    await gw?.close();
  });

  it('names the executable (with a renamed thread beside it), gives zoned start times, and leaves out its own ps', async () => {
    const top = await ok(client, 'system_processes_top', { limit: 100 });
    const rows = top.processes as Row[];
    // The sampler's own ps (and the shell running it) are not in the list, whatever their CPU.
    expect(rows.filter((p) => p.command.includes('pid:11,ppid:11'))).toEqual([]);
    const mine = rows.find((p) => p.pid === busy.pid);
    expect(mine, 'the busy shell is among the top 100 by CPU').toBeDefined();
    expect(mine).toMatchObject({ name: 'sh', thread_name: 'MainThread' });
    expect(mine!.started).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Started within the last ten minutes by a clock with a zone (not local time read as UTC).
    expect(Math.abs(Date.now() - Date.parse(mine!.started))).toBeLessThan(600_000);
  });
});

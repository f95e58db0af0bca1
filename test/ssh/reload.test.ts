import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { waitFor } from '../support/wait.ts';

const entry = (name: string) => `  - name: ${name}\n    description: d\n    argv: [uptime]\n`;

describe('command catalog at start and on reload (SIGHUP)', () => {
  let dir: string;
  let catalog: string;
  let gw: TestGateway;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-ssh-reload-'));
    catalog = join(dir, 'catalog.yaml');
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => ({
    modules: { ssh: { enabled: true, default_catalog: false, catalogs: [catalog] } },
  });

  it('refuses to start with a catalog that does not validate, naming file, entry and field', async () => {
    writeFileSync(catalog, `commands:\n${entry('one')}  - name: two\n    description: d\n    argv: []\n`);
    await expect(startTestGateway({ modules: [sshModule as ToolModule], config: config() })).rejects.toThrow(
      `${catalog}: commands[1] "two": argv: must name a program`,
    );
  });

  it('swaps in a valid catalog on SIGHUP and keeps the old one when the new one is invalid', async () => {
    writeFileSync(catalog, `commands:\n${entry('one')}`);
    gw = await startTestGateway({ modules: [sshModule as ToolModule], config: config() });
    const client = await gw.client(await gw.token({ role: 'viewer' }));
    const names = async () =>
      (
        (await client.callTool({ name: 'ssh_commands_list', arguments: {} })).structuredContent as {
          commands: { name: string }[];
        }
      ).commands.map((c) => c.name);
    const reloads = () => gw.logs.filter((l) => String(l.msg).startsWith('command catalog reload')).length;
    const hup = async () => {
      const before = reloads();
      process.kill(process.pid, 'SIGHUP');
      await waitFor(() => reloads() > before, 'the catalog reload after SIGHUP', undefined, 10);
    };
    expect(await names()).toEqual(['one']);

    writeFileSync(catalog, `commands:\n${entry('one')}${entry('two')}`);
    await hup();
    expect(await names()).toEqual(['one', 'two']);

    writeFileSync(
      catalog,
      `commands:\n${entry('three')}  - name: four\n    description: d\n    argv: [ls]\n    risk: yolo\n`,
    );
    await hup();
    expect(await names()).toEqual(['one', 'two']);
    const refusal = gw.logs.find((l) => l.msg === 'command catalog reload refused; the old catalog stays');
    expect(refusal?.problems).toEqual([expect.stringMatching(/commands\[1\] "four": risk:/)]);
  });
});

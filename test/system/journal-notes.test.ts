import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';
import { SystemdHost } from './systemd-host.ts';

// What journalctl says beside its answer (on stderr, with exit 0) explains a thin or empty
// result — "No journal files were found.", a file it skipped — and must reach the caller.
describe('what journalctl says beside its answer', () => {
  const host = new SystemdHost();
  let gw: TestGateway;
  let client: Client;
  let unprivileged: TestGateway;

  beforeAll(async () => {
    host.start();
    // A damaged journal file, which journalctl skips with a notice on stderr.
    host.exec([
      'sh',
      '-c',
      'f=$(ls /var/log/journal/*/system.journal /run/log/journal/*/system.journal 2>/dev/null | head -1); head -c 3000 "$f" > "$(dirname "$f")/damaged.journal"',
    ]);
    host.exec(['useradd', '--no-create-home', 'tw-reader']);
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { exec_prefix: host.prefix } } },
    });
    client = await gw.client(await gw.token({ role: 'viewer' }));
    unprivileged = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { exec_prefix: ['docker', 'exec', '-u', 'tw-reader', host.name] } } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await unprivileged?.close();
    host.stop();
  });

  it("passes journalctl's notice on as a note beside the lines", async () => {
    const out = await ok(client, 'system_logs_query', { lines: 5 });
    expect(out.source).toBe('journald');
    expect(out.entries.length).toBeGreaterThan(0);
    expect(out.note).toMatch(/^journalctl: Journal file .*damaged\.journal is truncated, ignoring file\./);
    const unit = await ok(client, 'system_service_logs', { unit: 'dbus', lines: 5 });
    expect(unit.note).toMatch(/damaged\.journal is truncated/);
    const analyzed = await ok(client, 'system_logs_analyze', { lines: 100 });
    expect(analyzed.note).toMatch(/damaged\.journal is truncated/);
  });

  it('says how to let a gateway user read the journal when it may not', async () => {
    const viewer = await unprivileged.client(await unprivileged.token({ role: 'viewer' }));
    const text = await fails(viewer, 'system_logs_query', {}, 'ERR_PERMISSION_DENIED');
    expect(text).toContain('No journal files were opened due to insufficient permissions');
    expect(text).toContain('systemd-journal');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ok } from '../system/helpers.ts';

/**
 * Fields without a value are absent from results, as the listed output schemas
 * say. The SDK client checks every structuredContent against the tool's listed
 * outputSchema (after listTools), so each call here is also that validation.
 */
describe('results against listed output schemas (tools.output_schemas on)', () => {
  let gw: TestGateway;
  let client: Client;
  let root: string;
  let listener: Server;
  let openPort: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tw-test-outschema-'));
    writeFileSync(join(root, 'small.log'), 'one\ntwo\n');
    listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    openPort = (listener.address() as { port: number }).port;
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: {
        tools: { output_schemas: true },
        modules: { system: { file_roots: [root], net_allow_loopback: true } },
      },
    });
    client = await gw.client(await gw.token({ role: 'admin' }));
    const { tools } = await client.listTools(); // the SDK keeps a validator per listed output schema
    expect(tools.find((t) => t.name === 'net_tcp_check')?.outputSchema?.type).toBe('object');
  });
  afterAll(async () => {
    await gw?.close();
    listener?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves out what a refused connect does not have, and what an accepted one does not', async () => {
    const refused = await ok(client, 'net_tcp_check', { host: '127.0.0.1', port: 1 });
    expect(refused).toMatchObject({ open: false, error: 'ECONNREFUSED' });
    expect(refused).not.toHaveProperty('connect_ms');
    const accepted = await ok(client, 'net_tcp_check', { host: '127.0.0.1', port: openPort });
    expect(accepted.open).toBe(true);
    expect(accepted).not.toHaveProperty('error');
  });

  it('leaves out next_offset when a read reached the end of the file', async () => {
    const read = await ok(client, 'files_read', { path: join(root, 'small.log') });
    expect(read.content).toBe('one\ntwo\n');
    expect(read).not.toHaveProperty('next_offset');
  });

  it('lists interfaces whose speed and MTU the kernel does not know without placeholders', async () => {
    const { interfaces } = await ok(client, 'system_network_interfaces', { include_loopback: true });
    const loopback = interfaces.find((i: { name: string }) => i.name === 'lo');
    expect(loopback).toBeDefined();
    for (const nic of interfaces) {
      if ('speed_mbps' in nic) expect(nic.speed_mbps).toBeGreaterThan(0);
      if ('mtu' in nic) expect(nic.mtu).toBeGreaterThan(0);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';

describe('inventory', () => {
  const container = `tw-test-inventory-${randomBytes(4).toString('hex')}`;
  let gw: TestGateway;
  let admin: Client;
  let viewer: Client;
  let server: Server | undefined;
  let port = 0;

  beforeAll(async () => {
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      container,
      '--network',
      'none',
      'tailwarden-test-busybox:latest',
      'sleep',
      '600',
    ]);
    // Ollama's default port; fall back to any port when it is taken (the item is then unrecognised).
    for (const candidate of [11434, 0]) {
      try {
        server = createServer();
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(candidate, '127.0.0.1', resolve);
        });
        port = (server.address() as { port: number }).port;
        break;
      } catch {
        server = undefined;
      }
    }
    gw = await startTestGateway({ modules: [systemModule as ToolModule] });
    admin = await gw.client(await gw.token({ role: 'admin' }));
    viewer = await gw.client(await gw.token({ role: 'viewer' }));
  });
  afterAll(async () => {
    await gw?.close();
    server?.close();
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
  });

  it('scans listening ports and Docker containers, recognising apps, and stores the result', async () => {
    // Storing a scan changes what everyone sees: a reader cannot, and reads the stored result instead.
    await fails(viewer, 'inventory_scan', {}, 'ERR_PERMISSION_DENIED');
    const scan = await ok(admin, 'inventory_scan', {});
    expect(scan.sources.docker).toBe('ok');
    expect(scan.sources.sockets).toBe('ok');
    const ids = scan.items.map((i: { id: string }) => i.id);
    expect(ids).toContain(`container:${container}`);
    const portItem = scan.items.find((i: { id: string }) => i.id === `port:tcp/${port}`);
    // ss names the process by its main thread's name, which Node sets to "MainThread"
    expect(portItem.detail).toMatchObject({ addresses: ['127.0.0.1'], pid: process.pid });
    if (port === 11434) {
      expect(portItem.app).toBe('Ollama');
      expect(scan.apps).toContain('Ollama');
    }
    const listed = await ok(viewer, 'inventory_list', {});
    expect(listed.items.map((i: { id: string }) => i.id)).toEqual(ids);
  });

  it('keeps notes and corrections across scans, and hides items on request', async () => {
    const id = `container:${container}`;
    await fails(viewer, 'inventory_annotate', { id, note: 'x' }, 'ERR_PERMISSION_DENIED');
    await fails(admin, 'inventory_annotate', { id: 'container:nope', note: 'x' }, 'ERR_NOT_FOUND');
    const annotated = await ok(admin, 'inventory_annotate', { id, app: 'Sleeper', note: 'test box' });
    expect(annotated).toMatchObject({ app: 'Sleeper', note: 'test box' });
    expect(annotated).not.toHaveProperty('detected_app');
    const rescanned = await ok(admin, 'inventory_scan', {});
    expect(rescanned.items.find((i: { id: string }) => i.id === id)).toMatchObject({
      app: 'Sleeper',
      note: 'test box',
    });
    expect(rescanned.apps).toContain('Sleeper');
    await ok(admin, 'inventory_annotate', { id, hidden: true });
    expect((await ok(viewer, 'inventory_list', {})).items.map((i: { id: string }) => i.id)).not.toContain(id);
    const withHidden = await ok(viewer, 'inventory_list', { include_hidden: true });
    expect(withHidden.items.find((i: { id: string }) => i.id === id)).toMatchObject({
      hidden: true,
      note: 'test box',
    });
  });

  it('marks items gone from the host as absent on the next scan', async () => {
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    await ok(admin, 'inventory_scan', {});
    const all = await ok(viewer, 'inventory_list', { include_hidden: true, include_absent: true });
    expect(all.items.find((i: { id: string }) => i.id === `container:${container}`)).toMatchObject({
      present: false,
    });
  });

  it('names the host and exposes the inventory as resources', async () => {
    const identity = await ok(viewer, 'inventory_identity', {});
    expect(identity.display_name).toBe(identity.hostname);
    expect(await ok(admin, 'inventory_identity_set', { display_name: 'media server' })).toMatchObject({
      display_name: 'media server',
    });
    const resource = await viewer.readResource({ uri: 'tailwarden://inventory/identity' });
    expect(JSON.parse((resource.contents[0] as { text: string }).text).display_name).toBe('media server');
    const inventory = await viewer.readResource({ uri: 'tailwarden://inventory' });
    expect(JSON.parse((inventory.contents[0] as { text: string }).text).items.length).toBeGreaterThan(0);
  });

  it('offers the guiding prompts, naming real tools', async () => {
    const { prompts } = await admin.listPrompts();
    const names = prompts.map((p) => p.name);
    for (const name of [
      'security_audit',
      'health_check',
      'troubleshoot_service',
      'investigate_high_usage',
      'network_audit',
      'setup_inventory',
      'plan_updates',
    ])
      expect(names).toContain(name);
    const { tools } = await admin.listTools();
    const toolNames = new Set(tools.map((t) => t.name));
    for (const name of names) {
      const prompt = await admin.getPrompt({
        name,
        arguments: name === 'troubleshoot_service' ? { unit: 'nginx' } : {},
      });
      const text = (prompt.messages[0]!.content as { text: string }).text;
      const mentioned = [...text.matchAll(/\b((?:system|files|net|inventory)_[a-z_]+)\b/g)].map((m) => m[1]!);
      expect(mentioned.length, name).toBeGreaterThan(0);
      for (const tool of mentioned) expect(toolNames.has(tool), `${name} mentions ${tool}`).toBe(true);
    }
  });
});

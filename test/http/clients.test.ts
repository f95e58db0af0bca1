import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

const run = promisify(execFile);
const modules = join(import.meta.dirname, '../../node_modules');
const MCP_REMOTE = join(modules, 'mcp-remote/dist/proxy.js');
const INSPECTOR = join(modules, '@modelcontextprotocol/inspector/clients/launcher/build/index.js');

/**
 * Real clients people use, installed from the registry as devDependencies and
 * run headless on this machine's Node: mcp-remote (the stdio bridge Claude
 * Desktop uses) and the MCP Inspector CLI.
 */
describe('third-party MCP clients connect and call a tool', () => {
  let gw: TestGateway;
  let token: string;
  let home: string;
  /** Neither client may touch the real home directory (mcp-remote keeps OAuth state there). */
  let env: Record<string, string>;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: [testModule] });
    token = await gw.token({ role: 'viewer', name: 'third-party' });
    home = mkdtempSync(join(tmpdir(), 'tw-test-clients-'));
    env = {
      PATH: `${join(modules, '.bin')}:${process.env.PATH ?? ''}`,
      HOME: home,
      MCP_REMOTE_CONFIG_DIR: join(home, '.mcp-auth'),
      MCP_CATALOG_PATH: join(home, 'catalog.json'),
    };
  });
  afterAll(async () => {
    await gw.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('mcp-remote bridges stdio to /mcp with a bearer token', { timeout: 120_000 }, async () => {
    const client = new Client({ name: 'via-mcp-remote', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        MCP_REMOTE,
        `${gw.url}/mcp`,
        '--header',
        `Authorization: Bearer ${token}`,
        '--transport',
        'http-only',
      ],
      env,
      stderr: 'ignore',
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('test_echo');
      const result = await client.callTool({ name: 'test_echo', arguments: { text: 'bridged' } });
      expect(result.structuredContent).toEqual({ text: 'bridged' });
    } finally {
      await client.close();
    }
  });

  it('the MCP Inspector CLI lists and calls tools', { timeout: 120_000 }, async () => {
    const inspector = (...args: string[]) =>
      run(
        process.execPath,
        [INSPECTOR, '--cli', `${gw.url}/mcp`, '--header', `Authorization: Bearer ${token}`, ...args],
        { env, timeout: 90_000 },
      );
    const listed = await inspector('--method', 'tools/list');
    expect(listed.stdout).toContain('test_echo');
    const called = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'test_echo',
      '--tool-arg',
      'text=inspected',
    );
    expect(called.stdout).toContain('inspected');
    const records = await gw.auditRecords();
    expect(
      records.some((r) => r.event === 'tool.outcome' && r.tool === 'test_echo' && r.outcome === 'ok'),
    ).toBe(true);
  });
});

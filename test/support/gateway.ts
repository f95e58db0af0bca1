import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { configFrom } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { auditPath, type Gateway, type GatewayOptions, startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/log.ts';
import type { ToolModule } from '../../src/modules/types.ts';

export interface TestGateway {
  config: Config;
  gateway: Gateway;
  app: FastifyInstance;
  url: string;
  stateDir: string;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  token(options: {
    role?: string;
    permissions?: string[];
    name?: string;
    ttlMs?: number | null;
  }): Promise<string>;
  client(
    token?: string,
    options?: { capabilities?: Record<string, unknown>; name?: string },
  ): Promise<Client>;
  /** A 2026-07-28 client (SDK v2, pinned to the modern era: server/discover, no session). */
  modernClient(
    token?: string,
    options?: { capabilities?: Record<string, unknown>; name?: string },
  ): Promise<ModernClient>;
  auditRecords(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  config?: Record<string, unknown>;
  modules?: readonly ToolModule[];
  ruleHandlers?: GatewayOptions['ruleHandlers'];
  stateDir?: string;
  /** Listen on this loopback port (default: any free one). */
  port?: number;
}

/** The protocol revision of the modern door. */
export const MODERN_REVISION = '2026-07-28';
/** How long a test client waits for one request by default (liveness only). */
const CLIENT_REQUEST_TIMEOUT_MS = 300_000;

/** A real gateway on an ephemeral loopback port, with its own state directory. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'tw-test-'));
  const config = configFrom({ state_dir: stateDir, ...options.config });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  const gateway = await startGateway(config, {
    log,
    modules: options.modules,
    ruleHandlers: options.ruleHandlers,
  });
  const app = await buildApp(config, gateway, { processMetrics: false });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const clients: { close(): Promise<void> }[] = [];
  let closed = false;

  return {
    config,
    gateway,
    app,
    url,
    stateDir,
    logs,
    async token({ role, permissions = [], name = 'test', ttlMs = 3_600_000 }) {
      return (await gateway.tokens.create({ name, role, permissions, ttlMs })).token;
    },
    async client(token, clientOptions = {}) {
      const client = new Client(
        { name: clientOptions.name ?? 'vitest', version: '1.0.0' },
        { capabilities: clientOptions.capabilities ?? {} },
      );
      // The SDK gives up on a request after 60 s unless told otherwise; on a loaded machine a
      // legitimate call can take longer, so the default here is a liveness bound. A test that
      // cares about a client-side timeout passes its own.
      const request = client.request.bind(client);
      client.request = ((req, schema, options) =>
        request(req, schema, { timeout: CLIENT_REQUEST_TIMEOUT_MS, ...options })) as typeof client.request;
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async modernClient(token, clientOptions = {}) {
      const client = new ModernClient(
        { name: clientOptions.name ?? 'vitest-modern', version: '1.0.0' },
        {
          capabilities: clientOptions.capabilities ?? {},
          versionNegotiation: { mode: { pin: MODERN_REVISION } },
        },
      );
      const transport = new ModernTransport(new URL(`${url}/mcp`), {
        requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async auditRecords() {
      await gateway.audit.flush();
      const text = await readFile(auditPath(config), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await app.close();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** POST a raw JSON-RPC body to /mcp (for tests of malformed and hostile requests). */
export function rawMcp(
  url: string,
  init: { body?: string; headers?: Record<string, string>; method?: string },
) {
  return fetch(`${url}/mcp`, {
    method: init.method ?? 'POST',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'application/json, text/event-stream',
      ...init.headers,
    },
    body: init.body,
  });
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** A response body as loosely typed JSON, for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}

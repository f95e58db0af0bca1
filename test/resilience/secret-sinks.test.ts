import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPath } from '../../src/gateway.ts';
import { StateDb } from '../../src/state/db.ts';
import { cli } from '../approvals/helpers.ts';
import { cleanup, runContainer, testPrefix } from '../docker/support.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { stringSlots, VALID, withValue } from './support/approval-cases.ts';
import { boundedAll } from './support/http.ts';
import { Rng } from './support/random.ts';
import { type JsonSchema, validObject } from './support/schema-values.ts';
import { leaked, namedSecrets, secretCases } from './support/secret-values.ts';
import { everyModule } from './support/target.ts';

/**
 * Secrets never leave through a side door. Secret-bearing values go into every string argument of
 * every tool in the registry (and secret-named maps into every map), and into outputs a viewer can
 * read (container environment and command, process command lines, a file); then every sink is
 * searched for the secret material: the audit file, the gateway log, the approvals database, the
 * approval page, `approvals show`, webhook and ntfy bodies, error texts, and a viewer's results.
 */
const CATALOG = `commands:
  - name: login_check
    description: Check a login.
    argv: ['true', '{password}']
    risk: high
    permission: ssh:exec
    parameters:
      password: { type: string, description: The password. }
`;

interface Received {
  path: string;
  headers: string;
  body: string;
}

async function receiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: JSON.stringify(req.headers), body });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    server,
    received,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  };
}

const textOf = (result: unknown) => (result as { content?: { text: string }[] }).content?.[0]?.text ?? '';

describe('secrets never leave through a side door', () => {
  const secrets = secretCases();
  const named = namedSecrets();
  const materials = [...secrets.map((s) => s.material), ...named.materials];
  const prefix = testPrefix('secrets');
  let dir: string;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let gw: TestGateway;
  let admin: Client;
  let viewer: Client;
  let holder: ChildProcess;
  let containerName: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-secret-sinks-'));
    mkdirSync(join(dir, 'files'));
    writeFileSync(join(dir, 'catalog.yaml'), CATALOG);
    writeFileSync(join(dir, 'id_test'), 'not a key: nothing connects in this test\n');
    writeFileSync(
      join(dir, 'files', 'app.conf'),
      `${secrets.map((s) => s.value).join('\n')}\n${Object.entries(named.values)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    hooks = await receiver();
    gw = await startTestGateway({
      modules: everyModule,
      config: {
        rate_limit: { per_principal: 1_000_000, auth_failures: 1_000_000 },
        tools: { timeout: '60s' }, // a busy machine: reading every process can take seconds
        modules: {
          system: { enabled: true, file_roots: [join(dir, 'files')] },
          docker: { enabled: true, allowed_git_hosts: ['github.com'], stacks_dir: join(dir, 'stacks') },
          tailscale: { enabled: true, socket: join(dir, 'no-tailscaled.sock') },
          ssh: {
            enabled: true,
            catalogs: [join(dir, 'catalog.yaml')],
            hosts: [
              {
                name: 'web1',
                address: '127.0.0.1',
                user: 'deploy',
                key_file: join(dir, 'id_test'),
                docker: true,
              },
            ],
          },
        },
        policy: {
          low: 'allow',
          moderate: 'deny', // network probes would send these values to resolvers and hosts
          high: 'approve',
          critical: 'approve',
          approval_wait: '0s',
          notify: { webhooks: [`${hooks.url}/hook`], ntfy: `${hooks.url}/topic` },
        },
      },
    });
    admin = await gw.client(await gw.token({ role: 'admin', name: 'feeder' }));
    viewer = await gw.client(await gw.token({ role: 'viewer', name: 'looker' }));
    // Outputs that carry secrets: a container's environment and command, a process's command line.
    containerName = `${prefix}-app`;
    await runContainer(prefix, 'app', {
      Env: [
        ...Object.entries(named.values).map(([k, v]) => `${k}=${v}`),
        `DATABASE_URL=${secrets.find((s) => s.kind === 'postgres url in text')!.value.split(' ')[1]}`,
      ],
      Cmd: ['sh', '-c', 'sleep 3600', 'sh', secrets.find((s) => s.kind === 'password flag')!.value],
    });
    holder = spawn(
      process.execPath,
      [
        '-e',
        'const b = Buffer.alloc(256 * 1024 * 1024, 1); setInterval(() => b[0]++, 60000)',
        '--',
        secrets.find((s) => s.kind === 'password flag')!.value,
        secrets.find((s) => s.kind === 'postgres url in text')!.value,
        secrets.find((s) => s.kind === 'mysql glued password')!.value,
      ],
      { stdio: 'ignore' },
    );
  }, 120_000);

  afterAll(async () => {
    holder?.kill('SIGKILL');
    await cleanup(prefix);
    await gw?.close();
    await new Promise((resolve) => hooks?.server.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('feeds every string argument of every tool and finds the secrets in no sink', async () => {
    const combined = secrets.map((s) => s.value).join(' ');
    const calls: { tool: string; args: Record<string, unknown> }[] = [];
    let turn = 0;
    for (const tool of gw.gateway.registry.tools.values()) {
      if (tool.hidden) continue;
      const schema = tool.listed.inputSchema as JsonSchema;
      const base = { ...validObject(schema, new Rng(7)), ...VALID[tool.def.name] };
      // Every form goes to every argument of the tools an approver sees; a low-risk tool (its values reach
      // only the audit log, the gateway log and error texts, through the same path) gets all of them at
      // once and three single forms in turn, which keeps the feed to a few minutes on a busy machine.
      const approved = tool.def.risk === 'high' || tool.def.risk === 'critical';
      for (const slot of stringSlots(schema, base)) {
        const values = approved
          ? secrets.map((s) => s.value)
          : [0, 1, 2].map(() => secrets[turn++ % secrets.length]!.value);
        for (const value of [combined, ...values])
          calls.push({ tool: tool.def.name, args: withValue(base, slot, value) });
        if (slot.length === 2 && slot[1] !== '0')
          calls.push({ tool: tool.def.name, args: { ...base, [slot[0]!]: named.values } });
      }
    }
    calls.push({
      tool: 'ssh_command_exec',
      args: { host: 'web1', command: 'login_check', parameters: { password: named.values.password } },
    });
    const errors: string[] = [];
    await boundedAll(calls, 16, async ({ tool, args }) => {
      const result = await admin.callTool({ name: tool, arguments: args }).catch((e: Error) => ({
        isError: true,
        content: [{ type: 'text', text: e.message }],
      }));
      if (result.isError) errors.push(`${tool}: ${textOf(result)}`);
    });
    const approvals = gw.gateway.approvals.store.list(undefined, 100_000);
    // The feed reached the approvers: approvals were asked for with these values in them.
    expect(approvals.length).toBeGreaterThan(20);
    expect(errors.length).toBeGreaterThan(100);

    const sinks: Record<string, string> = {};
    sinks['error texts'] = errors.join('\n');
    await gw.gateway.audit.flush();
    sinks['audit file'] = readFileSync(auditPath(gw.config), 'utf8');
    sinks['gateway log'] = gw.logs.map((l) => JSON.stringify(l)).join('\n');
    sinks['approvals rows'] = JSON.stringify(approvals);
    sinks['kept results'] = JSON.stringify(
      gw.gateway.approvals.store
        .list(['used'])
        .map((r) => gw.gateway.approvals.results.get(r.id, r.principalId)),
    );
    const db = new StateDb(gw.stateDir);
    try {
      sinks['approvals tables'] = JSON.stringify([
        db.sqlite.prepare('SELECT * FROM approvals').all(),
        db.sqlite.prepare('SELECT * FROM approval_results').all(),
      ]);
    } finally {
      db.close();
    }
    sinks['webhook and ntfy'] = hooks.received.map((r) => `${r.path} ${r.headers} ${r.body}`).join('\n');
    sinks['approval page'] = await approvalPages(
      gw,
      approvals.map((r) => r.id),
    );
    const shown: string[] = [(await cli(gw.stateDir, 'approvals', 'list', '--all', '--json')).stdout];
    // `approvals show` for a spread of requests (each run starts a process; the list above has them all).
    const sample = approvals.filter((_, i) => i % Math.ceil(approvals.length / 12) === 0);
    await boundedAll(sample, 4, async (r) => {
      shown.push((await cli(gw.stateDir, 'approvals', 'show', r.id)).stdout);
    });
    sinks['approvals CLI'] = shown.join('\n');
    expect(hooks.received.length).toBeGreaterThan(20);

    const found = Object.entries(sinks).flatMap(([sink, text]) =>
      leaked(text, materials).map((m) => `${sink}: ${m}`),
    );
    expect(found).toEqual([]);
  }, 900_000);

  it("a viewer reads no secret from a container's environment and command, process command lines or a file", async () => {
    const texts: string[] = [];
    const read = async (name: string, args: Record<string, unknown>) => {
      const result = await viewer.callTool({ name, arguments: args });
      texts.push(JSON.stringify(result));
      return result;
    };
    const inspect = await read('docker_container_inspect', { container: containerName });
    expect(JSON.stringify(inspect.structuredContent)).toContain('N8N_ENCRYPTION_KEY=[secret: ');
    await read('docker_container_list', { name: prefix });
    const top = await read('system_processes_top', { by: 'memory', limit: 100 });
    expect(JSON.stringify(top.structuredContent), textOf(top)).toContain('--password=[secret: ');
    const file = await read('files_read', { path: join(dir, 'files', 'app.conf') });
    expect(file.isError).toBeFalsy();
    await read('files_search', { path: join(dir, 'files'), pattern: 'e' });
    await read('files_tail', { path: join(dir, 'files', 'app.conf') });
    expect(leaked(texts.join('\n'), materials)).toEqual([]);

    // The control: an admin (secrets:read) reads the same values in full.
    const full = await admin.callTool({
      name: 'docker_container_inspect',
      arguments: { container: containerName },
    });
    expect(JSON.stringify(full.structuredContent)).toContain(named.values.N8N_ENCRYPTION_KEY);
  }, 180_000);
});

/** The approval page as an approver sees it: the list and every request's own page. */
async function approvalPages(gw: TestGateway, ids: string[]): Promise<string> {
  const approver = await gw.token({ permissions: ['approvals:grant'], name: 'carol' });
  const login = await fetch(`${gw.url}/approvals/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token: approver, next: '/approvals' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const pages = [await (await fetch(`${gw.url}/approvals`, { headers: { cookie } })).text()];
  await boundedAll(ids, 8, async (id) => {
    pages.push(await (await fetch(`${gw.url}/approvals/${id}`, { headers: { cookie } })).text());
  });
  expect(pages.join('').length).toBeGreaterThan(ids.length * 500);
  return pages.join('\n');
}

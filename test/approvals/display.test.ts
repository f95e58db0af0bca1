import { createServer, type Server } from 'node:http';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allModules } from '../../src/modules/index.ts';
import { HUMAN_COPY_MAX_CHARS } from '../../src/policy/approvals/summary.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';
import { cli, pendingFor, textOf } from './helpers.ts';

interface Received {
  path: string;
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
      received.push({ path: req.url ?? '', body });
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

/** The approver's page, signed in with a token holding approvals:grant. */
async function pageHtml(gw: TestGateway, path: string): Promise<string> {
  const approver = await gw.token({ permissions: ['approvals:grant'], name: 'carol' });
  const login = await fetch(`${gw.url}/approvals/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token: approver, next: '/approvals' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return (await fetch(`${gw.url}${path}`, { headers: { cookie } })).text();
}

/** Approvals show exactly what will run: every argument, in full, with secrets masked visibly. */
describe('what an approver is shown', () => {
  let gw: TestGateway;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let alice: string;
  beforeAll(async () => {
    hooks = await receiver();
    gw = await startTestGateway({
      modules: [...allModules, testModule],
      config: {
        policy: {
          approval_wait: '0s',
          notify: { webhooks: [`${hooks.url}/hook`], ntfy: `${hooks.url}/topic` },
        },
        modules: {
          docker: { enabled: true, allowed_git_hosts: ['github.com'] },
          tailscale: { enabled: true, socket: '/nonexistent/tw-test-display/tailscaled.sock' },
        },
      },
    });
    alice = await gw.token({ role: 'admin', name: 'alice' });
  });
  afterAll(async () => {
    await gw.close();
    await new Promise((resolve) => hooks.server.close(resolve));
  });

  it('an argument past character 2,100 is shown everywhere in full, never cut', async () => {
    // The shape of the reported case: a grant for an outside account far down a long argument.
    const grant = '"grants":[{"src":["outsider@evil.example"],"dst":["*"],"ip":["*"]}]';
    const name = `${'{"acls":[],"note":"'}${'x'.repeat(6000)}", ${grant}}`;
    const client = await gw.client(alice);
    const result = await client.callTool({ name: 'test_thing_wipe', arguments: { name } });
    expect(textOf(result)).toContain('ERR_APPROVAL_PENDING');
    const pending = await pendingFor(gw, 'test_thing_wipe');
    expect(pending.args).toEqual({ name });

    expect(await pageHtml(gw, `/approvals/${pending.id}`)).toContain('outsider@evil.example');
    const show = await cli(gw.stateDir, 'approvals', 'show', pending.id);
    expect(show.stdout).toContain('outsider@evil.example');
    await vi.waitFor(
      () => expect(hooks.received.filter((r) => r.body.includes(pending.id))).toHaveLength(2),
      {
        timeout: 10_000,
      },
    );
    const hook = hooks.received.find((r) => r.path === '/hook' && r.body.includes(pending.id))!;
    expect(JSON.parse(hook.body).args).toEqual({ name });
    // ntfy messages are size-limited: too long to push, so the push says so and links the page.
    const ntfy = hooks.received.find((r) => r.path === '/topic' && r.body.includes(pending.id))!;
    expect(ntfy.body).toContain('too long for a push message; open the approval page');
    // The audit copy may be cut, and says so.
    const created = (await gw.auditRecords()).find(
      (r) => r.event === 'approval.created' && r.approval_id === pending.id,
    )!;
    expect(JSON.stringify(created.args)).toContain('(cut: ');
  });

  it('the confirmation shows the same complete copy', async () => {
    const confirming = await startTestGateway({
      modules: [testModule],
      config: { policy: { high: 'confirm' } },
    });
    try {
      const client = await confirming.client(await confirming.token({ role: 'admin' }), {
        capabilities: { elicitation: { form: {} } },
      });
      const seen: string[] = [];
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        seen.push((request.params as { message: string }).message);
        return { action: 'decline' };
      });
      const tail = 'ends-with-the-part-that-matters';
      await client.callTool({
        name: 'test_thing_restart',
        arguments: { name: `${'y'.repeat(5000)}${tail}` },
      });
      expect(seen[0]).toContain(tail);
    } finally {
      await confirming.close();
    }
  });

  it("docker_stack_deploy shows the environment's names and plain values, and masks its secrets visibly", async () => {
    const client = await gw.client(alice);
    const result = await client.callTool({
      name: 'docker_stack_deploy',
      arguments: {
        name: 'n8n',
        repository: 'https://github.com/owner/n8n-stack.git',
        environment: {
          TZ: 'Europe/Berlin',
          N8N_ENCRYPTION_KEY: 'enc-key-value-123',
          DB_PW: 'db-password-456',
          DATABASE_URL: 'postgres://n8n:url-password-789@db:5432/n8n',
        },
      },
    });
    expect(textOf(result)).toContain('ERR_APPROVAL_PENDING');
    const pending = await pendingFor(gw, 'docker_stack_deploy');
    expect(pending.args.environment).toEqual({
      TZ: 'Europe/Berlin',
      N8N_ENCRYPTION_KEY: '[secret: 17 chars]',
      DB_PW: '[secret: 15 chars]',
      DATABASE_URL: 'postgres://n8n:[secret: 16 chars]@db:5432/n8n',
    });
    const html = await pageHtml(gw, `/approvals/${pending.id}`);
    expect(html).toContain('Europe/Berlin');
    expect(html).toContain('N8N_ENCRYPTION_KEY');
    for (const secret of ['enc-key-value-123', 'db-password-456', 'url-password-789'])
      expect(html + JSON.stringify(await gw.auditRecords())).not.toContain(secret);
  });

  it('arguments too long for a person to read are refused, not approved blind', async () => {
    const client = await gw.client(alice);
    const rows = gw.gateway.approvals.store.list().length;
    // A policy file may be up to 1,000,000 characters; one a person could not read is not put to them.
    const result = await client.callTool({
      name: 'tailscale_policy_update',
      arguments: { policy: `{"acls": [], "note": "${'z'.repeat(HUMAN_COPY_MAX_CHARS)}"}`, etag: '"abc"' },
    });
    expect(textOf(result)).toMatch(/^\[ERR_INPUT_REJECTED\].*more than the 262144/);
    expect(gw.gateway.approvals.store.list()).toHaveLength(rows);
  });

  it('invalid calls never reach an approver: "--all" as a unit, an apt option as a package', async () => {
    const client = await gw.client(alice);
    const rows = gw.gateway.approvals.store.list().length;
    const unit = await client.callTool({ name: 'system_service_restart', arguments: { unit: '--all' } });
    expect(textOf(unit)).toMatch(/^\[ERR_INPUT_REJECTED\].*not a valid unit name/);
    for (const name of ['-oAPT::Foo=1', 'nginx-', 'nginx+']) {
      const pkg = await client.callTool({ name: 'system_packages_install', arguments: { packages: [name] } });
      expect(textOf(pkg)).toMatch(/^\[ERR_INPUT_REJECTED\].*Not valid package names/);
    }
    expect(gw.gateway.approvals.store.list()).toHaveLength(rows);
  });
});

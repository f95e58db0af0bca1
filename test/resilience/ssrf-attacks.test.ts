import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startDnsServer, type Zone } from '../support/dns-server.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { type Outcome, outcome, pool, tally } from './support/outcome.ts';

/**
 * SSRF attacks on the net_* tools and the git URL of docker_stack_deploy,
 * beyond test/system/network.test.ts. Every server here counts the connections
 * it gets; a server that stands for a forbidden target must count zero. Each
 * gateway's policy is spelled out in its config.
 */

/** Names the test DNS server answers with a forbidden address (the last one: a public and a loopback address). */
const ZONE: Zone = {
  'loop.tw.test': { a: ['127.0.0.1'] },
  'loop6.tw.test': { aaaa: ['::1'] },
  'mapped.tw.test': { aaaa: ['::ffff:127.0.0.1'] },
  'zero.tw.test': { a: ['0.0.0.0'] },
  'any6.tw.test': { aaaa: ['::'] },
  'nat64.tw.test': { aaaa: ['64:ff9b::a9fe:a9fe'] },
  'sixtofour.tw.test': { aaaa: ['2002:7f00:1::1'] },
  'quad100.tw.test': { a: ['100.100.100.100'] },
  'meta.tw.test': { a: ['169.254.169.254'] },
  'meta6.tw.test': { aaaa: ['fd00:ec2::254'] },
  'half.tw.test': { a: ['93.184.215.14', '127.0.0.1'] },
};
const NAMES = Object.keys(ZONE);

const REFUSED = new Set(['ERR_POLICY_DENIED', 'ERR_INPUT_REJECTED']);

interface Counted {
  server: Server | TcpServer;
  port: number;
  connections: number;
}

async function counted(server: Server | TcpServer, host: string, port = 0): Promise<Counted> {
  const c: Counted = { server, port: 0, connections: 0 };
  server.on('connection', () => c.connections++);
  await new Promise<void>((r) => server.listen(port, host, r));
  c.port = (server.address() as AddressInfo).port;
  return c;
}

describe('SSRF attacks', () => {
  const figures: string[] = [];
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    console.log(`ssrf attacks:\n  ${figures.join('\n  ')}`);
  });

  describe('loopback forbidden (net_allow_loopback: false, defaults otherwise)', () => {
    let gw: TestGateway;
    let client: Client;
    let sysClient: Client;
    let local: Counted;
    let dns: Awaited<ReturnType<typeof startDnsServer>>;

    beforeAll(async () => {
      // Dual-stack listener on every local address: whatever spelling reaches this host lands here.
      local = await counted(
        createHttpServer((_q, s) => s.end('local')),
        '::',
      );
      closers.push(() => local.server.close());
      dns = await startDnsServer(ZONE);
      closers.push(() => dns.close());
      gw = await startTestGateway({
        modules: [systemModule as ToolModule],
        config: {
          rate_limit: { per_principal: 1_000_000 },
          modules: {
            system: {
              net_allow_loopback: false,
              net_allow_public: true,
              net_allow: [
                '100.64.0.0/10',
                'fd7a:115c:a1e0::/48',
                '10.0.0.0/8',
                '172.16.0.0/12',
                '192.168.0.0/16',
              ],
              net_deny: [
                '169.254.0.0/16',
                'fe80::/10',
                '100.100.100.200/32',
                'fd00:ec2::254/128',
                '0.0.0.0/8',
              ],
              net_dns_servers: [dns.address],
            },
          },
        },
      });
      closers.push(() => gw.close());
      client = await gw.client(await gw.token({ permissions: ['network:diag'] }));
      // The same policy with the system resolver (getaddrinfo), which reads 2130706433, 0x7f.1
      // and 127.1 as 127.0.0.1, as a browser would; the configured resolver above does not.
      const sys = await startTestGateway({
        modules: [systemModule as ToolModule],
        config: {
          rate_limit: { per_principal: 1_000_000 },
          modules: { system: { net_allow_loopback: false, net_allow_public: true } },
        },
      });
      closers.push(() => sys.close());
      sysClient = await sys.client(await sys.token({ permissions: ['network:diag'] }));
    });

    it('refuses every spelling and every name of this host, metadata and quad-100 before sending', async () => {
      const hosts = [
        '2130706433',
        '0177.0.0.1',
        '0x7f.1',
        '0x7f000001',
        '127.1',
        '127.0.0.1.',
        '0',
        '0.0.0.0',
        'localhost',
        'localhost.',
        '::',
        '[::]',
        '::1',
        '[::1]',
        '::1%lo',
        '::ffff:127.0.0.1',
        '::ffff:7f00:1',
        '::127.0.0.1',
        '::7f00:1',
        '64:ff9b::7f00:1',
        '64:ff9b::a9fe:a9fe',
        '2002:7f00:1::',
        '2002:a9fe:a9fe::1',
        '64:ff9b:1::7f00:1',
        'fe80::1%lo',
        '169.254.169.254',
        'fd00:ec2::254',
        '100.100.100.100',
        'fd7a:115c:a1e0::53',
        '100.100.100.200',
      ];
      const started = performance.now();
      const calls: (() => Promise<[string, Outcome]>)[] = [];
      for (const host of [...hosts, ...NAMES]) {
        const via = NAMES.includes(host) ? client : sysClient;
        const bare = host.replace(/^\[|\]$/g, '');
        const urlHost = bare.includes(':') ? `[${bare.replace('%', '%25')}]` : bare;
        const tool = (name: string, args: Record<string, unknown>) => async () =>
          [`${name} ${host}`, await outcome(via, name, args)] as [string, Outcome];
        calls.push(tool('net_tcp_check', { host, port: local.port, timeout_ms: 1000 }));
        calls.push(tool('net_tls_check', { host, port: local.port, timeout_ms: 1000 }));
        calls.push(tool('net_ping', { host, count: 1, tcp_port: local.port }));
        calls.push(tool('net_traceroute', { host, max_hops: 1 }));
        calls.push(tool('net_http_probe', { url: `http://${urlHost}:${local.port}/`, timeout_ms: 1000 }));
      }
      const results = await pool(calls, 8);
      // A trailing-dot name does not resolve here (ERR_NOT_FOUND): refused before sending, too.
      const letThrough = results
        .filter(([what, o]) => !REFUSED.has(o.code) && !(what.endsWith('.') && o.code === 'ERR_NOT_FOUND'))
        .map(([what, o]) => `${what}: ${o.text.slice(0, 160)}`);
      expect(letThrough).toEqual([]);
      expect(local.connections).toBe(0);
      figures.push(
        `forbidden spellings: ${hosts.length} spellings + ${NAMES.length} names × 5 tools = ${results.length} calls in ${Math.round(performance.now() - started)} ms, ${JSON.stringify(tally(results.map(([, o]) => o)))}, connections to this host: ${local.connections}`,
      );
    });

    it('keeps passwords in URLs out of the audit log and the gateway log', async () => {
      const password = `pw-${Date.now()}-hunter2`;
      const o = await outcome(client, 'net_http_probe', {
        url: `http://alice:${password}@127.0.0.1:${local.port}/`,
      });
      expect(o.code).toBe('ERR_INPUT_REJECTED');
      const user = await outcome(client, 'net_http_probe', {
        url: `http://allowed.example@127.0.0.1:${local.port}/`,
      });
      expect(user.code).toBe('ERR_INPUT_REJECTED');
      expect(JSON.stringify(await gw.auditRecords())).not.toContain(password);
      expect(JSON.stringify(gw.logs)).not.toContain(password);
      expect(local.connections).toBe(0);
    });
  });

  describe('loopback allowed, 127.0.0.66 denied (a stand-in for an internal target)', () => {
    let gw: TestGateway;
    let client: Client;
    let allowed: Counted;
    let denied: Counted;
    let flip = 0;

    beforeAll(async () => {
      denied = await counted(
        createHttpServer((_q, s) => s.end('INTERNAL')),
        '127.0.0.66',
      );
      const port = denied.port;
      allowed = await counted(
        createHttpServer((req, res) => {
          const to = (location: string) => res.writeHead(302, { location }).end();
          const routes: Record<string, string> = {
            '/to-meta': 'http://169.254.169.254/latest/meta-data/',
            '/to-denied': `http://127.0.0.66:${port}/`,
            '/to-denied-decimal': `http://2130706498:${port}/`,
            '/to-denied-mapped': `http://[::ffff:127.0.0.66]:${port}/`,
            '/to-denied-backslash': `http:\\\\127.0.0.66:${port}/`,
            '/to-denied-at': `http://127.0.0.1:${port}@127.0.0.66:${port}/`,
            '/to-rebind': `http://rebind.tw.test:${port}/`,
            '/to-file': 'file:///etc/passwd',
            '/to-gopher': `gopher://127.0.0.1:${port}/_GET`,
            '/to-ftp': `ftp://127.0.0.1:${port}/`,
            '/to-data': 'data:text/plain,INTERNAL',
            '/to-nat64': `http://[64:ff9b::7f00:42]:${port}/`,
            '/loop': '/loop',
          };
          if (req.url?.startsWith('/chain/')) return to(`/chain/${Number(req.url.slice(7)) + 1}`);
          const target = routes[req.url ?? ''];
          if (target) return to(target);
          res.end('allowed');
        }),
        '127.0.0.1',
        port,
      );
      closers.push(
        () => allowed.server.close(),
        () => denied.server.close(),
      );
      // rebind.tw.test answers 127.0.0.1 and 127.0.0.66 in turn, one per query.
      // (a getter on the A list only: the AAAA query of the same check must not flip it)
      const zone: Zone = {
        'rebind.tw.test': {
          get a() {
            return [flip++ % 2 === 0 ? '127.0.0.1' : '127.0.0.66'];
          },
        },
      };
      const dns = await startDnsServer(zone);
      closers.push(() => dns.close());
      gw = await startTestGateway({
        modules: [systemModule as ToolModule],
        config: {
          rate_limit: { per_principal: 1_000_000 },
          modules: {
            system: {
              net_allow_loopback: true,
              net_allow_public: false,
              net_allow: [],
              net_deny: ['127.0.0.66/32', '169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128', '0.0.0.0/8'],
              net_dns_servers: [dns.address],
            },
          },
        },
      });
      closers.push(() => gw.close());
      client = await gw.client(await gw.token({ permissions: ['network:diag'] }));
    });

    it('re-checks every redirect: denied hosts, other schemes and tricks never reach the denied server', async () => {
      const base = `http://127.0.0.1:${allowed.port}`;
      const wants: Record<string, string> = {
        '/to-meta': 'ERR_POLICY_DENIED',
        '/to-denied': 'ERR_POLICY_DENIED',
        '/to-denied-decimal': 'ERR_POLICY_DENIED',
        '/to-denied-mapped': 'ERR_POLICY_DENIED',
        '/to-denied-backslash': 'ERR_POLICY_DENIED',
        '/to-denied-at': 'ERR_INPUT_REJECTED',
        '/to-file': 'ERR_INPUT_REJECTED',
        '/to-gopher': 'ERR_INPUT_REJECTED',
        '/to-ftp': 'ERR_INPUT_REJECTED',
        '/to-data': 'ERR_INPUT_REJECTED',
        '/to-nat64': 'ERR_POLICY_DENIED',
      };
      for (const [path, want] of Object.entries(wants)) {
        const o = await outcome(client, 'net_http_probe', { url: base + path });
        expect(`${path} ${o.code}`, o.text.slice(0, 200)).toBe(`${path} ${want}`);
        expect(o.text).not.toContain('INTERNAL');
      }
      // Loops and long chains stop at max_redirects and report the last 3xx, not an error.
      const loop = await outcome(client, 'net_http_probe', { url: `${base}/loop`, max_redirects: 10 });
      expect(loop.data).toMatchObject({ status: 302 });
      expect(loop.data.hops).toHaveLength(11);
      const chain = await outcome(client, 'net_http_probe', { url: `${base}/chain/0`, max_redirects: 3 });
      expect(chain.data.hops).toHaveLength(4);
      expect(denied.connections).toBe(0);
    });

    it('connects to the address it checked while the name rebinds between answers', async () => {
      const started = performance.now();
      const port = allowed.port;
      // The tools' longest timeouts: on a busy machine a default one can lapse before the loopback
      // server is scheduled, which would read as a failure of the thing under test (liveness only).
      const timeout_ms = 30_000;
      const calls = Array.from({ length: 120 }, (_, i) => {
        const kind = i % 4;
        if (kind === 0)
          return () =>
            outcome(client, 'net_http_probe', { url: `http://rebind.tw.test:${port}/`, timeout_ms });
        if (kind === 1)
          return () =>
            outcome(client, 'net_http_probe', { url: `http://127.0.0.1:${port}/to-rebind`, timeout_ms });
        if (kind === 2)
          return () => outcome(client, 'net_tcp_check', { host: 'rebind.tw.test', port, timeout_ms });
        return () => outcome(client, 'net_tls_check', { host: 'rebind.tw.test', port, timeout_ms });
      });
      const results = await pool(calls, 8);
      for (const [i, o] of results.entries()) {
        // Only the TLS check may fail upstream (the server speaks plain HTTP); an HTTP probe of a
        // name failed with ERR_INVALID_IP_ADDRESS before the lookup fix in net-probes.ts.
        expect(
          i % 4 === 3 ? ['ERR_POLICY_DENIED', 'ERR_UPSTREAM_FAILED'] : ['ok', 'ERR_POLICY_DENIED'],
        ).toContain(o.code);
        expect(o.text).not.toContain('INTERNAL');
        if (o.ok && o.data.address) expect(o.data.address).toBe('127.0.0.1');
      }
      const counts = tally(results);
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.ERR_POLICY_DENIED).toBeGreaterThan(0);
      expect(denied.connections).toBe(0);
      figures.push(
        `DNS rebinding: ${results.length} calls in ${Math.round(performance.now() - started)} ms, ${JSON.stringify(counts)}, connections to the denied address: ${denied.connections}`,
      );
    });
  });

  describe('docker_stack_deploy git URLs (allowed_git_hosts: github.com)', () => {
    let gw: TestGateway;
    let client: Client;
    let listener: Counted;

    beforeAll(async () => {
      listener = await counted(
        createTcpServer((s) => s.destroy()),
        '127.0.0.1',
      );
      closers.push(() => listener.server.close());
      gw = await startTestGateway({
        modules: [dockerModule as ToolModule],
        config: {
          policy: { critical: 'allow' },
          modules: { docker: { allowed_git_hosts: ['github.com'] } },
        },
      });
      closers.push(() => gw.close());
      client = await gw.client(await gw.token({ permissions: ['docker:admin'] }));
    });

    it('refuses URLs that git would read as another host, other protocols and option-like URLs', async () => {
      const p = listener.port;
      const password = `gitpw-${Date.now()}`;
      const repos = [
        `https://github.com\\@127.0.0.1:${p}/x.git`,
        `https://github.com\\\\@127.0.0.1:${p}/x.git`,
        `ssh://github.com\\@127.0.0.1:${p}/x.git`,
        `https://127.0.0.1:${p}/x.git`,
        `https://github.com@127.0.0.1:${p}/x.git`,
        `https://github.com:${p}@127.0.0.1:${p}/x.git`,
        `https://x:${password}@github.com/x.git`,
        `ext::sh -c touch% /tmp/tw-test-ssrf-pwned`,
        'ext::nc 127.0.0.1 1',
        `file:///etc`,
        '/etc',
        '--upload-pack=touch /tmp/tw-test-ssrf-pwned',
        '-u touch /tmp/tw-test-ssrf-pwned',
        `ssh://-oProxyCommand=nc%20127.0.0.1%20${p}/x`,
        `ssh://127.0.0.1:${p}/x.git`,
        `git@127.0.0.1:x.git`,
        `http://github.com/x.git`,
        `https://github.com%2f@127.0.0.1:${p}/x.git`,
        `https://github.com\tx@127.0.0.1:${p}/x.git`,
      ];
      const results: [string, Outcome][] = [];
      for (const repository of repos)
        results.push([
          repository,
          await outcome(client, 'docker_stack_deploy', { name: 'tw-test-ssrf-x', repository }),
        ]);
      const wrong = results
        .filter(([, o]) => o.code !== 'ERR_INPUT_REJECTED')
        .map(([r, o]) => `${r}: ${o.text.slice(0, 200)}`);
      expect(wrong).toEqual([]);
      expect(listener.connections).toBe(0);
      const state = JSON.stringify(await gw.auditRecords()) + JSON.stringify(gw.logs);
      expect(state).not.toContain(password);
      figures.push(
        `git URLs: ${repos.length} refused before git ran; connections to loopback: ${listener.connections}`,
      );
    });
  });
});

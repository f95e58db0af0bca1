import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config/load.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import { NetGuard } from '../../src/modules/system/net-guard.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';

const DEFAULTS = {
  allow: ['100.64.0.0/10', 'fd7a:115c:a1e0::/48', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  deny: ['169.254.0.0/16', 'fe80::/10', '100.100.100.200/32', 'fd00:ec2::254/128', '0.0.0.0/8'],
  allowLoopback: false,
  allowPublic: true,
};

/** A CA and a leaf certificate for 127.0.0.1 / tw.test that expires in 10 days, made with openssl. */
function makeCertificates(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-subj',
    '/CN=tw test CA',
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=tw.test',
  ]);
  const ext = join(dir, 'ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:tw.test,IP:127.0.0.1\\n' > ${ext}`]);
  run([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.crt',
    '-days',
    '10',
    '-extfile',
    'ext.cnf',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { key: read('leaf.key'), cert: read('leaf.crt') + read('ca.crt') };
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('NetGuard', () => {
  it('refuses metadata, link-local and loopback literals, allows the tailnet, LAN and public', () => {
    const guard = new NetGuard(DEFAULTS);
    for (const address of [
      '169.254.169.254',
      '100.100.100.200',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
      '127.0.0.1',
      '::1',
      '0.0.0.0',
    ])
      expect(guard.refusal(address), address).toBeDefined();
    for (const address of [
      '100.101.102.103',
      'fd7a:115c:a1e0::1',
      '192.168.1.10',
      '10.0.0.1',
      '8.8.8.8',
      '2606:4700::1111',
    ])
      expect(guard.refusal(address), address).toBeUndefined();
    expect(new NetGuard({ ...DEFAULTS, allowLoopback: true }).refusal('127.0.0.1')).toBeUndefined();
    expect(new NetGuard({ ...DEFAULTS, allowPublic: false }).refusal('8.8.8.8')).toContain('public');
    expect(new NetGuard(DEFAULTS).refusal('198.18.0.1')).toContain('special-purpose');
  });

  it('rejects malformed ranges in the config before the gateway starts', () => {
    expect(() => configFrom({ modules: { system: { net_deny: ['169.254.0.0/99'] } } })).toThrow(
      /not an address range/,
    );
    expect(() => configFrom({ modules: { system: { net_allow: ['lan'] } } })).toThrow(/not an address range/);
  });

  it('refuses a name that resolves to loopback through the system resolver', async () => {
    await expect(new NetGuard(DEFAULTS).resolve('localhost')).rejects.toMatchObject({
      code: 'ERR_POLICY_DENIED',
    });
  });
});

describe('net_* tools', () => {
  let gw: TestGateway;
  let client: Client;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  let dir: string;
  let httpsPort: number;
  let httpPort: number;
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-test-net-'));
    const tls = makeCertificates(dir);
    const https = createHttpsServer(tls, (_req, res) => res.end('secure hello'));
    httpsPort = await listen(https);
    const http = createHttpServer((req, res) => {
      if (req.url === '/ok')
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
      if (req.url === '/hop') return void res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/to-metadata')
        return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/to-metadata-name')
        return void res.writeHead(301, { location: 'http://metadata.tw.test/latest/' }).end();
      res.writeHead(404).end();
    });
    httpPort = await listen(http);
    servers.push(https, http);
    dns = await startDnsServer({
      'metadata.tw.test': { a: ['169.254.169.254'] },
      'linklocal6.tw.test': { aaaa: ['fe80::1'] },
      'mixed.tw.test': { a: ['192.168.1.20', '100.100.100.200'] },
      'home.tw.test': { a: ['127.0.0.1'], txt: ['v=tw1'] },
      'nas.tw.test': { a: ['100.64.0.7'] },
    });
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { net_allow_loopback: true, net_dns_servers: [dns.address] } } },
    });
    client = await gw.client(await gw.token({ permissions: ['network:diag'] }));
  });
  afterAll(async () => {
    await gw?.close();
    dns?.close();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses metadata and link-local targets by name as well as by literal address', async () => {
    await fails(client, 'net_tcp_check', { host: '169.254.169.254', port: 80 }, 'ERR_POLICY_DENIED');
    const byName = await fails(
      client,
      'net_tcp_check',
      { host: 'metadata.tw.test', port: 80 },
      'ERR_POLICY_DENIED',
    );
    expect(byName).toContain('resolves to 169.254.169.254');
    await fails(client, 'net_tls_check', { host: 'linklocal6.tw.test' }, 'ERR_POLICY_DENIED');
    await fails(client, 'net_ping', { host: 'mixed.tw.test' }, 'ERR_POLICY_DENIED');
    await fails(client, 'net_http_probe', { url: 'http://[fe80::1]/' }, 'ERR_POLICY_DENIED');
    await fails(client, 'net_tcp_check', { host: 'nx.tw.test', port: 80 }, 'ERR_NOT_FOUND');
  });

  it('checks TCP ports and pings over TCP when ICMP ping is unavailable', async () => {
    const open = await ok(client, 'net_tcp_check', { host: 'home.tw.test', port: httpPort });
    expect(open).toMatchObject({ address: '127.0.0.1', open: true });
    expect(open).not.toHaveProperty('error'); // absent, not null, as the listed schema says
    const closed = await ok(client, 'net_tcp_check', { host: '127.0.0.1', port: 1 });
    expect(closed).toMatchObject({ open: false, error: 'ECONNREFUSED' });
    const ping = await ok(client, 'net_ping', { host: '127.0.0.1', count: 2, tcp_port: httpPort });
    expect(ping).toMatchObject({ method: 'tcp', alive: true, received: 2 });
    expect(ping.rtt_ms).toHaveLength(2);
    // A refused connection (RST) is the host's answer: it is up, the port is closed.
    const refused = await ok(client, 'net_ping', { host: '127.0.0.1', count: 2, tcp_port: 1 });
    expect(refused).toMatchObject({ method: 'tcp', alive: true, sent: 2, received: 2 });
    expect(refused).not.toHaveProperty('error');
    expect(refused.note).toMatch(/No usable ping here .*port 1 instead.*answered \(refused\).*port closed/);
  });

  it('reads the TLS certificate of a local HTTPS server', async () => {
    const out = await ok(client, 'net_tls_check', {
      host: '127.0.0.1',
      port: httpsPort,
      servername: 'tw.test',
    });
    expect(out.authorized).toBe(false); // our test CA is not trusted
    expect(out.chain[0].subject).toContain('CN=tw.test');
    expect(out.chain[0].sans).toEqual(['DNS:tw.test', 'IP Address:127.0.0.1']);
    expect(out.chain[0].issuer).toContain('tw test CA');
    expect(out.chain).toHaveLength(2);
    expect(out.days_left).toBeGreaterThanOrEqual(9);
    expect(out.days_left).toBeLessThanOrEqual(10);
    expect(out.warnings.join(' ')).toMatch(/expires in \d+ days/);
  });

  it('probes HTTP, following redirects only after re-checking each target', async () => {
    const okProbe = await ok(client, 'net_http_probe', {
      url: `http://127.0.0.1:${httpPort}/hop`,
      max_bytes: 1000,
    });
    expect(okProbe).toMatchObject({ status: 200, body_bytes: 1000, body_truncated: true });
    expect(okProbe.hops.map((h: { status: number }) => h.status)).toEqual([302, 200]);
    await fails(
      client,
      'net_http_probe',
      { url: `http://127.0.0.1:${httpPort}/to-metadata` },
      'ERR_POLICY_DENIED',
    );
    const named = await fails(
      client,
      'net_http_probe',
      { url: `http://127.0.0.1:${httpPort}/to-metadata-name` },
      'ERR_POLICY_DENIED',
    );
    expect(named).toContain('metadata.tw.test');
    const head = await ok(client, 'net_http_probe', {
      url: `https://127.0.0.1:${httpsPort}/`,
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    await fails(client, 'net_http_probe', { url: 'file:///etc/passwd' }, 'ERR_INPUT_REJECTED');
  });

  it('looks up DNS records', async () => {
    expect(await ok(client, 'net_dns_lookup', { name: 'nas.tw.test' })).toMatchObject({
      records: ['100.64.0.7'],
      resolver: `DNS ${dns.address}`,
    });
    expect(await ok(client, 'net_dns_lookup', { name: 'home.tw.test', type: 'TXT' })).toMatchObject({
      records: ['v=tw1'],
    });
  });

  it('lists listening sockets with their process', async () => {
    const out = await ok(client, 'net_sockets', { kind: 'listening', port: httpPort });
    expect(out.sockets).toHaveLength(1);
    expect(out.sockets[0]).toMatchObject({
      protocol: 'tcp',
      local_address: '127.0.0.1',
      local_port: httpPort,
      pid: process.pid,
      // The executable, as ps shows it, not the main thread's name that ss reports.
      process: basename(process.argv0.split(' ')[0]!),
    });
    if (out.sockets[0].thread_name) expect(out.sockets[0].thread_name).not.toBe(out.sockets[0].process);
  });

  it('resolves A and AAAA the way programs on this host do (/etc/hosts first) without net_dns_servers', async () => {
    const plain = await startTestGateway({ modules: [systemModule as ToolModule] });
    try {
      const caller = await plain.client(await plain.token({ permissions: ['network:diag'] }));
      const local = await ok(caller, 'net_dns_lookup', { name: 'localhost' });
      expect(local).toEqual({
        name: 'localhost',
        type: 'A',
        records: ['127.0.0.1'],
        resolver: 'system (getaddrinfo: /etc/hosts, then DNS)',
      });
    } finally {
      await plain.close();
    }
  });
});

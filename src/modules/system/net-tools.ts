import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { systemTool } from './context.ts';
import { httpProbe, tcpConnect, tlsInspect } from './net-probes.ts';
import { commandFailure } from './systemd.ts';

const hostArg = z.string().min(1).max(253).describe('Host name or IP address');
const portArg = z.number().int().min(1).max(65_535);
const timeoutArg = (defaultMs: number) =>
  z.number().int().min(100).max(30_000).default(defaultMs).describe('Give up after this many milliseconds');
const diag = { permission: 'network:diag', risk: 'moderate', openWorld: true, readOnly: true } as const;

export const netTcpCheck = systemTool({
  ...diag,
  name: 'net_tcp_check',
  title: 'Network: TCP port check',
  description: 'Whether a TCP port on a host accepts connections, and how long the connect took.',
  input: z.object({
    host: hostArg,
    port: portArg.describe('TCP port to connect to'),
    timeout_ms: timeoutArg(3000),
  }),
  output: z.object({
    host: z.string(),
    address: z.string(),
    port: z.number(),
    open: z.boolean(),
    connect_ms: z.number().nullable(),
    error: z.string().nullable(),
  }),
  handler: async ({ host, port, timeout_ms }, { system }) => {
    const { addresses } = await system.net.resolve(host);
    const address = addresses[0]!;
    const r = await tcpConnect(address, port, timeout_ms);
    return { host, address, port, open: r.ok, connect_ms: r.ok ? r.ms : null, error: r.ok ? null : r.error };
  },
});

export const netPing = systemTool({
  ...diag,
  name: 'net_ping',
  title: 'Network: Ping',
  description:
    'Whether a host answers, with round-trip times: the system ping (ICMP), or where ping is missing or not permitted, timed TCP connects to tcp_port (an accepted or refused connection both mean the host is up; only silence means no answer). method says which was used.',
  input: z.object({
    host: hostArg,
    count: z.number().int().min(1).max(10).default(3).describe('How many probes to send'),
    tcp_port: portArg.default(443).describe('Port for the TCP fallback'),
  }),
  output: z.object({
    host: z.string(),
    address: z.string(),
    method: z.enum(['icmp', 'tcp']),
    alive: z.boolean().describe('The host answered at least one probe'),
    sent: z.number(),
    received: z.number().describe('Probes answered (with TCP: accepted or refused)'),
    rtt_ms: z.array(z.number()),
    error: z.string().nullable().describe('Why probes went unanswered'),
    note: z.string().optional().describe('How to read a TCP result'),
  }),
  handler: async ({ host, count, tcp_port }, { system, signal }) => {
    const { addresses } = await system.net.resolve(host);
    const address = addresses[0]!;
    try {
      const r = await system.runner.run(['ping', '-n', '-c', String(count), '-W', '2', '--', address], {
        timeoutMs: count * 3000 + 2000,
        signal,
      });
      const rtt = [...r.stdout.matchAll(/time[=<]([\d.]+) ms/g)].map((m) => Number(m[1]));
      const permissionProblem = /Operation not permitted|socket: Permission denied/i.test(r.stderr);
      if (!permissionProblem)
        return {
          host,
          address,
          method: 'icmp' as const,
          alive: rtt.length > 0,
          sent: count,
          received: rtt.length,
          rtt_ms: rtt,
          error:
            rtt.length === count
              ? null
              : r.stderr.trim() || `${count - rtt.length} of ${count} probes unanswered`,
        };
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'ERR_UPSTREAM_UNAVAILABLE') throw error;
    }
    // A connect that is accepted or refused (RST) was answered by the host; only a timeout or an
    // unreachable route is silence.
    const rtt: number[] = [];
    const results: string[] = [];
    let silence: string | null = null;
    for (let i = 0; i < count; i++) {
      const r = await tcpConnect(address, tcp_port, 2000);
      if (r.ok || r.error === 'ECONNREFUSED') {
        rtt.push(r.ms);
        results.push(r.ok ? 'accepted' : 'refused');
      } else silence = r.error;
    }
    const answers = [...new Set(results)].join(' and ');
    return {
      host,
      address,
      method: 'tcp' as const,
      alive: rtt.length > 0,
      sent: count,
      received: rtt.length,
      rtt_ms: rtt,
      error: silence,
      note:
        `No usable ping here (missing or not permitted): timed TCP connects to port ${tcp_port} instead. ` +
        (rtt.length > 0
          ? `The host answered (${answers}); a refused connection means it is up with that port closed.`
          : 'No answer: the host is down, or a firewall drops this port silently; try another tcp_port.'),
    };
  },
});

const RECORD_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'SRV', 'CNAME', 'PTR', 'NS'] as const;
const SYSTEM_RESOLVER = 'system (getaddrinfo: /etc/hosts, then DNS)';

/** Addresses as the host's own programs get them (nsswitch: /etc/hosts, then DNS). */
async function systemLookup(name: string, type: 'A' | 'AAAA') {
  try {
    const found = await lookup(name, { all: true, family: type === 'A' ? 4 : 6 });
    return { name, type, records: [...new Set(found.map((a) => a.address))], resolver: SYSTEM_RESOLVER };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NODATA')
      return { name, type, records: [], resolver: SYSTEM_RESOLVER };
    throw new GatewayError('ERR_UPSTREAM_FAILED', `Lookup of ${name} (${type}) failed: ${code}.`, {
      cause: error,
    });
  }
}

export const netDnsLookup = systemTool({
  ...diag,
  name: 'net_dns_lookup',
  title: 'Network: DNS lookup',
  description:
    'Records of a name (A, AAAA, MX, TXT, SRV, CNAME, NS) or the PTR name of an address. A and AAAA come from the system resolver (getaddrinfo: /etc/hosts, then DNS), as programs on this host see them; other types from the DNS servers in /etc/resolv.conf. With modules.system.net_dns_servers every type asks those servers. resolver says which answered.',
  input: z.object({
    name: z.string().min(1).max(253).describe('Name to look up, or an IP address for PTR'),
    type: z.enum(RECORD_TYPES).default('A').describe('Record type to ask for'),
  }),
  output: z.object({
    name: z.string(),
    type: z.string(),
    records: z.array(z.string()),
    resolver: z.string().describe('"system (getaddrinfo: /etc/hosts, then DNS)" or "DNS <servers>"'),
  }),
  handler: async ({ name, type }, { system }) => {
    if ((type === 'A' || type === 'AAAA') && !system.net.hasDnsServers) return systemLookup(name, type);
    const resolver = system.net.dnsResolver();
    const answered = { resolver: `DNS ${resolver.getServers().join(', ')}` };
    try {
      if (type === 'PTR') {
        if (!isIP(name))
          throw new GatewayError('ERR_INPUT_REJECTED', 'PTR lookups take an IP address as name.');
        return { name, type, records: await resolver.reverse(name), ...answered };
      }
      const raw = (await resolver.resolve(name, type)) as unknown[];
      const records = raw.map((r) => {
        if (typeof r === 'string') return r;
        if (Array.isArray(r)) return r.join('');
        const o = r as Record<string, unknown>;
        if ('exchange' in o) return `${o.priority} ${o.exchange}`;
        if ('port' in o) return `${o.priority} ${o.weight} ${o.port} ${o.name}`;
        return JSON.stringify(o);
      });
      return { name, type, records, ...answered };
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODATA' || code === 'ENOTFOUND') return { name, type, records: [], ...answered };
      throw new GatewayError('ERR_UPSTREAM_FAILED', `DNS lookup of ${name} (${type}) failed: ${code}.`, {
        cause: error,
      });
    }
  },
});

export const netTlsCheck = systemTool({
  ...diag,
  name: 'net_tls_check',
  title: 'Network: TLS certificate check',
  description:
    'The TLS certificate a host presents: subject, SANs, issuer, the chain, whether it verifies, and days until expiry.',
  input: z.object({
    host: hostArg,
    port: portArg.default(443).describe('TCP port of the TLS service'),
    servername: z.string().max(253).optional().describe('SNI name (default: host, when it is a name)'),
    timeout_ms: timeoutArg(5000),
  }),
  output: z.object({
    host: z.string(),
    address: z.string(),
    port: z.number(),
    authorized: z.boolean(),
    authorization_error: z.string().nullable(),
    protocol: z.string().nullable(),
    days_left: z.number().nullable(),
    chain: z.array(
      z.object({
        subject: z.string(),
        issuer: z.string(),
        sans: z.array(z.string()),
        valid_from: z.string(),
        valid_to: z.string(),
        days_left: z.number(),
        serial: z.string(),
        fingerprint_sha256: z.string(),
      }),
    ),
    warnings: z.array(z.string()),
  }),
  handler: async ({ host, port, servername, timeout_ms }, { system }) => {
    const { addresses } = await system.net.resolve(host);
    const address = addresses[0]!;
    const sni = servername ?? (isIP(host) ? undefined : host);
    const result = await tlsInspect(address, port, sni, timeout_ms);
    const leaf = result.chain[0];
    const warnings: string[] = [];
    if (leaf && leaf.days_left < 0) warnings.push(`The certificate expired ${-leaf.days_left} days ago.`);
    else if (leaf && leaf.days_left < 14) warnings.push(`The certificate expires in ${leaf.days_left} days.`);
    if (!result.authorized) warnings.push(`The chain does not verify: ${result.authorization_error}.`);
    return { host, address, port, ...result, days_left: leaf?.days_left ?? null, warnings };
  },
});

export const netHttpProbe = systemTool({
  ...diag,
  name: 'net_http_probe',
  title: 'Network: HTTP(S) probe',
  description:
    'GET or HEAD a URL with a timeout and a body cap; redirects are followed only after each new target passes the address guard.',
  input: z.object({
    url: z.url({ protocol: /^https?$/ }).describe('http:// or https:// URL'),
    method: z.enum(['GET', 'HEAD']).default('GET').describe('HTTP method (only safe ones)'),
    timeout_ms: timeoutArg(5000),
    max_bytes: z
      .number()
      .int()
      .min(0)
      .max(1_048_576)
      .default(65_536)
      .describe('Keep at most this many bytes of the body'),
    max_redirects: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(5)
      .describe('Follow at most this many redirects (each one checked again)'),
  }),
  output: z.object({
    final_url: z.string(),
    status: z.number(),
    hops: z.array(
      z.object({ url: z.string(), address: z.string(), status: z.number(), location: z.string().nullable() }),
    ),
    headers: z.record(z.string(), z.string()),
    time_ms: z.number(),
    body_bytes: z.number(),
    body_truncated: z.boolean(),
    body_preview: z.string().nullable(),
  }),
  handler: (input, { system, signal }) =>
    httpProbe(system.net, input.url, {
      method: input.method,
      timeoutMs: input.timeout_ms,
      maxBytes: input.max_bytes,
      maxRedirects: input.max_redirects,
      signal,
    }),
});

export const netTraceroute = systemTool({
  ...diag,
  name: 'net_traceroute',
  title: 'Network: Traceroute',
  description: 'The hops to a host, with the system traceroute (when it is installed).',
  input: z.object({
    host: hostArg,
    max_hops: z.number().int().min(1).max(64).default(20).describe('Stop after this many hops'),
  }),
  output: z.object({
    host: z.string(),
    address: z.string(),
    hops: z.array(z.object({ hop: z.number(), address: z.string().nullable(), rtt_ms: z.array(z.number()) })),
  }),
  handler: async ({ host, max_hops }, { system, signal }) => {
    const { addresses } = await system.net.resolve(host);
    const address = addresses[0]!;
    const r = await system.runner.run(
      ['traceroute', '-n', '-q', '2', '-w', '2', '-m', String(max_hops), '--', address],
      {
        timeoutMs: max_hops * 5000,
        signal,
      },
    );
    if (r.code !== 0) throw commandFailure('traceroute', r);
    const hops = r.stdout.split('\n').flatMap((line) => {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (!m) return [];
      const ip = /(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]+)/i.exec(m[2]!)?.[1] ?? null;
      return [
        {
          hop: Number(m[1]),
          address: ip,
          rtt_ms: [...m[2]!.matchAll(/([\d.]+) ms/g)].map((x) => Number(x[1])),
        },
      ];
    });
    return { host, address, hops };
  },
});

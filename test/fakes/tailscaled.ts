import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fake of tailscaled's LocalAPI on a unix socket, to the contract in
 * shared/reference/tailscale.md: Host must be local-tailscaled.sock (or empty),
 * Origin/Referer are refused, serve-config honours ETag/If-Match. State comes
 * from test/fixtures/tailscale and tests may change it between requests.
 */
export interface FakeTailscaled {
  socketPath: string;
  status: Record<string, unknown>;
  /** whois answers keyed by IP (the port of `addr` is ignored, as tailscaled does for known IPs). */
  whois: Record<string, unknown>;
  serveConfig: Record<string, unknown>;
  /** This node's preferences (ipn.Prefs); PATCH changes only what its MaskedPrefs flags say. */
  prefs: Record<string, unknown>;
  /** Every request seen: method, path with query, and headers. */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  /** Answer every request with this status (e.g. 503) until cleared. */
  failWith: number | undefined;
  close(): Promise<void>;
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tailscale');

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

function etagOf(value: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16)}"`;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json',
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function defaultPrefs(): Record<string, unknown> {
  return {
    ControlURL: 'https://controlplane.tailscale.com',
    RouteAll: false,
    WantRunning: true,
    AdvertiseTags: ['tag:server'],
    AdvertiseRoutes: null,
    AdvertiseServices: null,
  };
}

/**
 * ipn.MaskedPrefs: a field changes only when its `<Field>Set` flag is true. The
 * fake knows only AdvertiseServices and refuses any other flag, so a test sees
 * at once if the gateway touched another preference (routes, exit node, …).
 */
function applyMaskedPrefs(
  prefs: Record<string, unknown>,
  masked: Record<string, unknown>,
): string | undefined {
  for (const [key, value] of Object.entries(masked)) {
    if (!key.endsWith('Set') || value !== true) continue;
    const field = key.slice(0, -'Set'.length);
    if (field !== 'AdvertiseServices') return `the fake refuses to change ${field}`;
    const names = masked.AdvertiseServices ?? null;
    if (names !== null && (!Array.isArray(names) || names.some((n) => !/^svc:[a-z0-9-]+$/.test(String(n)))))
      return 'invalid service name in AdvertiseServices';
    prefs.AdvertiseServices = names;
  }
  return undefined;
}

export async function startFakeTailscaled(): Promise<FakeTailscaled> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-fake-tailscaled-'));
  const socketPath = join(dir, 'tailscaled.sock');
  const fake: FakeTailscaled = {
    socketPath,
    status: fixture('status.json'),
    whois: fixture('whois.json'),
    serveConfig: fixture('serve-config.json'),
    prefs: defaultPrefs(),
    requests: [],
    failWith: undefined,
    close: async () => {},
  };

  const server: Server = createServer(async (req, res) => {
    fake.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const host = req.headers.host ?? '';
    if (host !== '' && host !== 'local-tailscaled.sock') return send(res, 403, 'invalid Host header');
    if (req.headers.origin || req.headers.referer) return send(res, 403, 'browser access denied');
    if (fake.failWith) return send(res, fake.failWith, 'fake failure');
    const url = new URL(req.url ?? '/', 'http://local-tailscaled.sock');
    const name = url.pathname.replace(/^\/localapi\/v0\//, '');

    if (name === 'status' && req.method === 'GET') {
      if (url.searchParams.get('peers') === 'false') {
        const { Peer: _peers, ...rest } = fake.status;
        return send(res, 200, rest);
      }
      return send(res, 200, fake.status);
    }
    if (name === 'whois' && req.method === 'GET') {
      const addr = url.searchParams.get('addr') ?? '';
      const ip = addr.startsWith('[') ? addr.slice(1, addr.indexOf(']')) : addr.replace(/:\d+$/, '');
      const answer = fake.whois[ip];
      return answer ? send(res, 200, answer) : send(res, 404, 'no match for IP:port');
    }
    if (name === 'serve-config' && req.method === 'GET') {
      return send(res, 200, fake.serveConfig, { ETag: etagOf(fake.serveConfig) });
    }
    if (name === 'serve-config' && req.method === 'POST') {
      const ifMatch = req.headers['if-match'];
      if (ifMatch && ifMatch !== etagOf(fake.serveConfig)) return send(res, 412, 'etag mismatch');
      try {
        fake.serveConfig = JSON.parse(await readBody(req));
      } catch {
        return send(res, 400, 'invalid JSON');
      }
      return send(res, 200, '');
    }
    if (name === 'prefs' && req.method === 'GET') return send(res, 200, fake.prefs);
    if (name === 'prefs' && req.method === 'PATCH') {
      let masked: Record<string, unknown>;
      try {
        masked = JSON.parse(await readBody(req));
      } catch {
        return send(res, 400, 'invalid JSON');
      }
      const problem = applyMaskedPrefs(fake.prefs, masked);
      return problem ? send(res, 400, problem) : send(res, 200, fake.prefs);
    }
    return send(res, 404, `unknown LocalAPI endpoint ${name}`);
  });

  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
    });
  return fake;
}

import { request as httpRequest } from 'node:http';
import { GatewayError } from '../errors.ts';

/**
 * A client for tailscaled's LocalAPI: HTTP over its unix socket. Shared by the
 * tailnet identity mode (whois) and the tailscale module (status, serve config).
 * The wire format is not a stable contract, so callers parse defensively
 * (see the `pick*` helpers below) and every failure becomes a GatewayError
 * that says what to do.
 */
export interface LocalApiOptions {
  /** Path of tailscaled's socket, e.g. /var/run/tailscale/tailscaled.sock. */
  socketPath: string;
  timeoutMs: number;
}

export interface LocalApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface LocalApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface WhoIs {
  /** The node's stable id, e.g. "nXXXX". */
  nodeId: string;
  nodeName: string;
  /** Login name of the user who owns the node, e.g. alice@example.com (empty for tagged nodes). */
  loginName: string;
  displayName: string;
  /** ACL tags of the node (a tagged node has no user identity). */
  tags: string[];
  /** App capabilities granted to the caller towards this node, as CapMap holds them. */
  capMap: Record<string, unknown[]>;
}

export interface ServeConfigState {
  config: Record<string, unknown>;
  /** Opaque version for If-Match on the next write. */
  etag: string | undefined;
}

const MAX_BODY = 8 * 1024 * 1024;

export class LocalApiClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(options: LocalApiOptions) {
    this.socketPath = options.socketPath;
    this.timeoutMs = options.timeoutMs;
  }

  /** One raw request to `/localapi/v0/<name>`. Network failures throw; HTTP statuses are returned. */
  request(name: string, options: LocalApiRequest = {}): Promise<LocalApiResponse> {
    const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: this.socketPath,
          path: `/localapi/v0/${name}${query}`,
          method: options.method ?? 'GET',
          // tailscaled refuses a request whose Host is not its socket name, or one with Origin/Referer.
          headers: {
            Host: 'local-tailscaled.sock',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
            ...options.headers,
          },
          timeout: this.timeoutMs,
          signal: options.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) {
              req.destroy(new Error(`LocalAPI response larger than ${MAX_BODY} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', (error) => reject(this.unreachable(error)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(payload);
    });
  }

  /** A request whose successful answer is JSON; non-2xx statuses become GatewayErrors. */
  async json(name: string, options: LocalApiRequest = {}): Promise<{ value: unknown; etag?: string }> {
    const res = await this.request(name, options);
    if (res.status < 200 || res.status >= 300) throw this.statusError(name, res);
    const text = res.body.toString('utf8');
    try {
      const etag = res.headers.etag;
      return { value: text ? JSON.parse(text) : null, etag: typeof etag === 'string' ? etag : undefined };
    } catch (cause) {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `tailscaled answered ${name} with something that is not JSON; is the socket really tailscaled's?`,
        { cause },
      );
    }
  }

  /** The same object as `tailscale status --json`, unparsed (callers pick what they need). */
  async status(options: { peers?: boolean; signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    const { value } = await this.json('status', {
      query: options.peers === false ? { peers: 'false' } : undefined,
      signal: options.signal,
    });
    return asRecord(value);
  }

  /** Who is behind a tailnet address (`ip:port` or `ip`). Throws ERR_NOT_FOUND when nobody is. */
  async whois(address: string, signal?: AbortSignal): Promise<WhoIs> {
    const { value } = await this.json('whois', { query: { addr: address }, signal });
    const body = asRecord(value);
    const node = asRecord(body.Node);
    const profile = asRecord(body.UserProfile);
    const capMap: Record<string, unknown[]> = {};
    for (const [cap, grants] of Object.entries(asRecord(body.CapMap))) {
      capMap[cap] = Array.isArray(grants) ? grants : [];
    }
    return {
      nodeId: pickString(node, 'StableID') || pickString(node, 'ID'),
      nodeName: pickString(node, 'ComputedName') || pickString(node, 'Name').replace(/\.$/, ''),
      loginName: pickString(profile, 'LoginName'),
      displayName: pickString(profile, 'DisplayName'),
      tags: pickStrings(node, 'Tags'),
      capMap,
    };
  }

  async serveConfig(signal?: AbortSignal): Promise<ServeConfigState> {
    const { value, etag } = await this.json('serve-config', { signal });
    return { config: asRecord(value), etag };
  }

  /** Writes the serve config; with an etag, only if nobody changed it since (else ERR_CONFLICT). */
  async setServeConfig(config: Record<string, unknown>, etag: string | undefined, signal?: AbortSignal) {
    await this.json('serve-config', {
      method: 'POST',
      body: config,
      headers: etag ? { 'If-Match': etag } : {},
      signal,
    });
  }

  /** This node's preferences (`GET prefs`), unparsed. */
  async prefs(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return asRecord((await this.json('prefs', { signal })).value);
  }

  /**
   * Change only the preferences named in `masked` (`PATCH prefs` with ipn.MaskedPrefs:
   * a field changes only when its `<Field>Set` flag is true), as `tailscale set` does.
   */
  async editPrefs(masked: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return asRecord((await this.json('prefs', { method: 'PATCH', body: masked, signal })).value);
  }

  private unreachable(error: Error): GatewayError {
    // A cancelled call (client gone, tool deadline) is not tailscaled's fault: say so.
    if (error.name === 'AbortError') {
      return new GatewayError('ERR_TIMEOUT', 'The LocalAPI request was cancelled or timed out.', {
        cause: error,
      });
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'the socket does not exist (is tailscaled installed and running?)'
        : code === 'EACCES'
          ? 'permission denied on the socket (run `tailscale set --operator=<gateway user>` or add the gateway user to the socket group)'
          : code === 'ECONNREFUSED'
            ? 'nothing is listening on the socket (is tailscaled running?)'
            : error.message;
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `tailscaled is not reachable at ${this.socketPath}: ${why}.`,
      {
        cause: error,
        retryAfter: 5,
      },
    );
  }

  private statusError(name: string, res: LocalApiResponse): GatewayError {
    const detail = res.body.toString('utf8').trim().slice(0, 200);
    if (res.status === 404 && name === 'whois') {
      return new GatewayError('ERR_NOT_FOUND', 'No tailnet node owns that address.', { cause: detail });
    }
    if (res.status === 412) {
      return new GatewayError(
        'ERR_CONFLICT',
        `The ${name} changed since it was read (ETag mismatch); read it again and retry.`,
        { cause: detail },
      );
    }
    if (res.status === 401 || res.status === 403) {
      return new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `tailscaled refused ${name} (HTTP ${res.status}); the gateway user may need \`tailscale set --operator=<user>\`.`,
        { cause: detail },
      );
    }
    return new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `tailscaled answered ${name} with HTTP ${res.status}: ${detail}`,
      {
        cause: detail,
      },
    );
  }
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function pickString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}

export function pickStrings(record: Record<string, unknown>, key: string): string[] {
  const value = record[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

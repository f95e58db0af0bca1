import type { Agent } from 'node:https';
import https from 'node:https';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { type ProxmoxErrorContext, proxmoxError } from './errors.ts';
import { CertificateChangedError, createAgent } from './tls.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Params = Record<string, string | number | boolean | undefined>;

export interface ClusterSettings {
  name: string;
  url: string;
  tokenId: string;
  secret: string | undefined;
  fingerprint?: string;
  caFile?: string;
}

export interface RequestOptions {
  /** For error messages: what this does, as a verb phrase ("list guests"). */
  action: string;
  signal?: AbortSignal;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Parameters as Proxmox takes them: form/query encoding, booleans as 1/0, unset ones left out. */
export function encodeParams(params: Params | undefined): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    out.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return out.toString();
}

/**
 * The Proxmox VE API of one cluster: `Authorization: PVEAPIToken=…` on every
 * request, TLS trusted by a pinned fingerprint or a CA file, a deadline per
 * request, and every failure turned into a GatewayError by proxmoxError(). The
 * secret is only ever put in that header.
 */
export class ProxmoxClient {
  readonly name: string;
  readonly url: string;
  readonly tokenId: string;
  /** Requests sent (for health, tests and the benchmark). */
  requests = 0;
  /** The last certificate mismatch seen, for health (it stays until a request succeeds). */
  certificateProblem: string | undefined;
  private readonly secret: string | undefined;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly agent: Agent | undefined;
  private readonly agentError: GatewayError | undefined;

  constructor(settings: ClusterSettings, options: { timeoutMs: number; log: Logger }) {
    this.name = settings.name;
    this.url = settings.url.replace(/\/+$/, '');
    this.tokenId = settings.tokenId;
    this.secret = settings.secret;
    this.timeoutMs = options.timeoutMs;
    this.log = options.log;
    try {
      this.agent = createAgent({
        fingerprint: settings.fingerprint,
        caFile: settings.caFile,
        timeoutMs: options.timeoutMs,
      });
    } catch (error) {
      this.agentError = error as GatewayError;
    }
  }

  get configured(): boolean {
    return this.secret !== undefined && this.agentError === undefined;
  }

  /** Why this cluster cannot be used, or undefined when it can be tried. */
  get problem(): string | undefined {
    if (this.agentError) return this.agentError.message;
    if (this.secret === undefined)
      return `no token secret for cluster "${this.name}" (TAILWARDEN_PROXMOX_TOKEN_SECRET)`;
    return this.certificateProblem;
  }

  get<T>(path: string, params: Params | undefined, options: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, params, options);
  }

  post<T>(path: string, params: Params | undefined, options: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, params, options);
  }

  put<T>(path: string, params: Params | undefined, options: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, params, options);
  }

  delete<T>(path: string, params: Params | undefined, options: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, params, options);
  }

  close(): void {
    this.agent?.destroy();
  }

  private context(action: string): ProxmoxErrorContext {
    return { cluster: this.name, url: this.url, tokenId: this.tokenId, action };
  }

  async request<T>(
    method: Method,
    path: string,
    params: Params | undefined,
    options: RequestOptions,
  ): Promise<T> {
    if (this.agentError) throw this.agentError;
    if (this.secret === undefined || !this.agent) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `Proxmox cluster "${this.name}" has no API token secret: set TAILWARDEN_PROXMOX_TOKEN_SECRET (or its entry in TAILWARDEN_PROXMOX_TOKEN_SECRETS) in the environment file and restart the gateway.`,
      );
    }
    const encoded = encodeParams(params);
    const inBody = method === 'POST' || method === 'PUT';
    const target = `${this.url}/api2/json${path}${!inBody && encoded ? `?${encoded}` : ''}`;
    const caller = options.signal ?? new AbortController().signal;
    if (caller.aborted) throw cancelled(caller, options.action);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = {
      Authorization: `PVEAPIToken=${this.tokenId}=${this.secret}`,
      Accept: 'application/json',
    };
    if (inBody) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(encoded));
    }
    this.requests += 1;
    let answer: { status: number; statusMessage: string; body: string };
    try {
      answer = await send(target, {
        method,
        headers,
        agent: this.agent,
        body: inBody ? encoded : undefined,
        signal: AbortSignal.any([caller, deadline]),
      });
    } catch (error) {
      if (caller.aborted) throw cancelled(caller, options.action);
      if (error instanceof CertificateChangedError) {
        this.certificateProblem = `certificate changed: pinned ${error.pinned}, presented ${error.presented}`;
        this.log.error(
          { cluster: this.name, url: this.url, pinned: error.pinned, presented: error.presented },
          'Proxmox API certificate CHANGED: refusing to talk to it (possible interception, or a renewed certificate)',
        );
      }
      throw proxmoxError(this.context(options.action), {
        transport: deadline.aborted ? new DOMException('timed out', 'TimeoutError') : error,
      });
    }
    if (answer.status < 200 || answer.status >= 300) throw proxmoxError(this.context(options.action), answer);
    this.certificateProblem = undefined;
    try {
      return (JSON.parse(answer.body) as { data: T }).data;
    } catch (cause) {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `Proxmox cluster "${this.name}" answered "${options.action}" with something that is not JSON; is ${this.url} the Proxmox API (port 8006)?`,
        { cause },
      );
    }
  }
}

/** The caller gave up (cancel, tool deadline, shutdown): keep a GatewayError reason, else say what happened. */
function cancelled(signal: AbortSignal, action: string): GatewayError {
  if (signal.reason instanceof GatewayError) return signal.reason;
  return new GatewayError(
    'ERR_TIMEOUT',
    `The call was cancelled or ran out of time while waiting to ${action}.`,
    {
      cause: signal.reason,
    },
  );
}

function send(
  target: string,
  init: { method: Method; headers: Record<string, string>; agent: Agent; body?: string; signal: AbortSignal },
): Promise<{ status: number; statusMessage: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(target, {
      method: init.method,
      headers: init.headers,
      agent: init.agent,
      signal: init.signal,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.end(init.body);
  });
}

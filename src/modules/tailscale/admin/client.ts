import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../../errors.ts';
import type { Credentials } from './auth.ts';
import { adminApiError, parseRetryAfter } from './errors.ts';
import { scrubSecrets } from './scrub.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  method?: HttpMethod;
  /** Path below the API base, e.g. `/device/n123/routes`. */
  path: string;
  query?: Record<string, string>;
  /** JSON-encoded unless it is a string (sent as is, with `contentType`). */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  /**
   * May be sent again after a failure. Default: GET, PUT and DELETE. A POST is
   * retried only when the caller says repeating it is harmless.
   */
  idempotent?: boolean;
  /** For error messages: what this does ("list devices") and the OAuth scope it needs. */
  action: string;
  scope: string;
  notFound?: string;
  signal?: AbortSignal;
}

export interface AdminResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface AdminClientOptions {
  baseUrl: string;
  tailnet: string;
  credentials: Credentials | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryAfterMs: number;
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const MAX_BODY_CHARS = 32 * 1024 * 1024;

/**
 * The Tailscale admin API v2: auth (API key or OAuth), a deadline per attempt,
 * 429 Retry-After and exponential backoff, retries only for idempotent
 * requests, and every failure mapped to a GatewayError naming the fix. No
 * secret ever reaches a message, a log line or an audit record.
 */
export class AdminApiClient {
  readonly tailnet: string;
  private readonly options: AdminClientOptions;
  /** Requests actually sent, attempts included (for health and tests). */
  attempts = 0;

  constructor(options: AdminClientOptions) {
    this.options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.tailnet = options.tailnet;
  }

  get configured(): boolean {
    return this.options.credentials !== undefined;
  }

  get credentialKind(): string {
    return this.options.credentials?.kind ?? 'none';
  }

  /** `/tailnet/<tailnet><suffix>` with the tailnet name escaped. */
  tailnetPath(suffix: string): string {
    return `/tailnet/${encodeURIComponent(this.tailnet)}${suffix}`;
  }

  async json<T = unknown>(request: AdminRequest): Promise<{ value: T; etag: string | undefined }> {
    const res = await this.request(request);
    if (!res.text) return { value: {} as T, etag: res.headers.get('etag') ?? undefined };
    try {
      return { value: JSON.parse(res.text) as T, etag: res.headers.get('etag') ?? undefined };
    } catch (cause) {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `The admin API answered "${request.action}" with something that is not JSON; is modules.tailscale.api_url right?`,
        { cause },
      );
    }
  }

  async request(request: AdminRequest): Promise<AdminResponse> {
    const credentials = this.options.credentials;
    if (!credentials) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'The Tailscale admin API is not configured: set TAILWARDEN_TAILSCALE_API_KEY, or TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID and TAILWARDEN_TAILSCALE_OAUTH_CLIENT_SECRET, in the environment file.',
      );
    }
    const method = request.method ?? 'GET';
    const idempotent = request.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    const signal = request.signal ?? new AbortController().signal;
    const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
    const url = `${this.options.baseUrl}${request.path}${query}`;
    const body =
      request.body === undefined
        ? undefined
        : typeof request.body === 'string'
          ? request.body
          : JSON.stringify(request.body);
    const context = {
      action: request.action,
      scope: request.scope,
      notFound: request.notFound,
      credentials: credentials.kind,
      secrets: credentials.secrets,
    };
    let reauthenticated = false;

    for (let attempt = 0; ; attempt++) {
      const canRetry = idempotent && attempt < this.options.maxRetries;
      const authorization = await credentials.authorization(signal);
      let res: Response;
      let text: string;
      const deadline = AbortSignal.timeout(this.options.timeoutMs);
      try {
        this.attempts += 1;
        res = await fetch(url, {
          method,
          headers: {
            Authorization: authorization,
            Accept: request.accept ?? 'application/json',
            ...(body !== undefined ? { 'Content-Type': request.contentType ?? 'application/json' } : {}),
            ...request.headers,
          },
          body,
          signal: AbortSignal.any([signal, deadline]),
        });
        text = await res.text();
      } catch (cause) {
        if (signal.aborted) throw cancelled(signal, request.action, idempotent);
        const timedOut = deadline.aborted;
        if (canRetry) {
          await this.backoff(attempt, undefined, signal);
          continue;
        }
        throw new GatewayError(
          timedOut ? 'ERR_TIMEOUT' : 'ERR_UPSTREAM_UNAVAILABLE',
          timedOut
            ? `The Tailscale admin API did not answer within ${this.options.timeoutMs} ms to ${request.action}${idempotent ? '' : '; the change may or may not have been applied, so check before retrying'}.`
            : `The Tailscale admin API at ${this.options.baseUrl} is not reachable to ${request.action}; check the network and modules.tailscale.api_url.`,
          { cause: scrubSecrets(describe(cause), credentials.secrets), retryAfter: 5 },
        );
      }
      if (text.length > MAX_BODY_CHARS) {
        throw new GatewayError(
          'ERR_UPSTREAM_FAILED',
          `The admin API answer to ${request.action} is too large.`,
        );
      }
      if (res.ok) return { status: res.status, headers: res.headers, text };

      // A 401 was not processed: fetch a new OAuth token once and resend, whatever the method.
      if (res.status === 401 && credentials.kind === 'oauth' && !reauthenticated) {
        reauthenticated = true;
        credentials.invalidate();
        attempt -= 1;
        continue;
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      if (res.status === 429 && canRetry && (retryAfter ?? 0) * 1000 <= this.options.maxRetryAfterMs) {
        await this.backoff(attempt, retryAfter, signal);
        continue;
      }
      if (RETRYABLE_STATUS.has(res.status) && canRetry) {
        await this.backoff(attempt, retryAfter, signal);
        continue;
      }
      throw adminApiError(res.status, text, context, retryAfter);
    }
  }

  private async backoff(attempt: number, retryAfterSeconds: number | undefined, signal: AbortSignal) {
    const exponential = this.options.retryBaseDelayMs * 2 ** attempt;
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    const ms = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : jittered;
    await sleep(Math.min(ms, this.options.maxRetryAfterMs), undefined, { signal });
  }
}

/** The caller gave up (cancel, tool deadline, shutdown): keep a GatewayError reason, else say what happened. */
function cancelled(signal: AbortSignal, action: string, idempotent: boolean): GatewayError {
  if (signal.reason instanceof GatewayError) return signal.reason;
  return new GatewayError(
    'ERR_TIMEOUT',
    `The call was cancelled or ran out of time while waiting to ${action}${idempotent ? '' : '; the change may or may not have been applied, so check before retrying'}.`,
    { cause: signal.reason },
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return `${error.name}: ${error.message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  }
  return String(error);
}

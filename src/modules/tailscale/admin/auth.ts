import { GatewayError } from '../../../errors.ts';
import { scrubSecrets } from './scrub.ts';

/** Supplies the Authorization header of admin API requests. */
export interface Credentials {
  readonly kind: 'api-key' | 'oauth';
  authorization(signal: AbortSignal): Promise<string>;
  /** Forget a token the API rejected (a revoked OAuth token), so the next call fetches a new one. */
  invalidate(): void;
  /** Every secret value, so messages can be scrubbed of them. */
  readonly secrets: readonly string[];
}

export class ApiKeyCredentials implements Credentials {
  readonly kind = 'api-key' as const;
  readonly secrets: readonly string[];
  private readonly key: string;

  constructor(key: string) {
    this.key = key;
    this.secrets = [key];
  }

  async authorization(): Promise<string> {
    return `Bearer ${this.key}`;
  }

  invalidate(): void {}
}

export interface OAuthOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Refresh this long before the token expires (a token must not expire mid-request). */
  refreshEarlyMs?: number;
  now?: () => number;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * OAuth client credentials: one access token cached and shared, refreshed a
 * minute before it expires, and at most one refresh in flight — concurrent
 * callers wait on the same promise instead of stampeding the token endpoint.
 */
export class OAuthCredentials implements Credentials {
  readonly kind = 'oauth' as const;
  readonly secrets: string[];
  /** How many times the token endpoint was asked (for health and tests). */
  refreshes = 0;
  private readonly options: Required<OAuthOptions>;
  private token: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(options: OAuthOptions) {
    this.options = { refreshEarlyMs: 60_000, now: Date.now, ...options };
    this.secrets = [options.clientSecret];
  }

  async authorization(signal: AbortSignal): Promise<string> {
    const token = this.token;
    if (token && this.options.now() < token.expiresAt - this.options.refreshEarlyMs) {
      return `Bearer ${token.value}`;
    }
    // Single flight: the refresh is not tied to the first caller's signal, so its cancel cannot fail the others.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    const fresh = await abortable(this.pending, signal);
    return `Bearer ${fresh.value}`;
  }

  invalidate(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    this.refreshes += 1;
    const body = new URLSearchParams({
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      grant_type: 'client_credentials',
    });
    let res: Response;
    try {
      res = await fetch(this.options.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `The Tailscale OAuth token endpoint ${this.options.tokenUrl} is not reachable; check the network and modules.tailscale.api_url.`,
        { cause: scrubSecrets(String(cause), this.secrets), retryAfter: 5 },
      );
    }
    const text = await res.text();
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        'Tailscale refused the OAuth client credentials: check TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID and TAILWARDEN_TAILSCALE_OAUTH_CLIENT_SECRET (the client may have been deleted; create one under Settings → OAuth clients).',
        { cause: `HTTP ${res.status}: ${scrubSecrets(text.slice(0, 300), this.secrets)}` },
      );
    }
    if (!res.ok) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `The Tailscale OAuth token endpoint answered HTTP ${res.status}; retry later.`,
        { cause: scrubSecrets(text.slice(0, 300), this.secrets), retryAfter: 5 },
      );
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        'The Tailscale OAuth token endpoint answered without an access_token; is modules.tailscale.api_url right?',
      );
    }
    const expiresIn =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 3600;
    this.secrets.push(parsed.access_token);
    if (this.secrets.length > 8) this.secrets.splice(1, this.secrets.length - 8);
    this.token = { value: parsed.access_token, expiresAt: this.options.now() + expiresIn * 1000 };
    return this.token;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

import * as oauth from 'openid-client';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { isLoopbackAddress } from '../../util/listen.ts';
import type { HealthReport } from '../verifier.ts';

export interface IssuerOptions {
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  timeoutMs: number;
  refreshMs: number;
  retryMs: number;
  log: Logger;
}

/** HTTPS, or plain HTTP to a loopback host (tests, or an issuer on this very machine). */
export function checkIssuerUrl(issuer: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new GatewayError('ERR_CONFIG_INVALID', `${setting} "${issuer}" is not a URL.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:' && isLoopbackAddress(host)) return url;
  if (url.protocol !== 'https:') {
    throw new GatewayError(
      'ERR_CONFIG_INVALID',
      `${setting} must be an https:// URL (plain http is only accepted for a loopback host): ${issuer}`,
    );
  }
  return url;
}

export function unavailable(issuer: string, cause?: unknown): GatewayError {
  return new GatewayError(
    'ERR_AUTH_UNAVAILABLE',
    `The identity provider ${issuer} cannot be reached, so your sign-in cannot be checked right now; retry shortly (this is not a problem with your credentials).`,
    { cause, retryAfter: 5 },
  );
}

/**
 * The issuer's metadata, discovered at start and re-read on a slow refresh. The
 * gateway starts even when the issuer is down: discovery is retried in the
 * background, health reports degraded meanwhile, and requests get 503s.
 */
export class IssuerConnection {
  private readonly options: IssuerOptions;
  private readonly url: URL;
  private configuration: oauth.Configuration | undefined;
  private discovering: Promise<oauth.Configuration> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFailure: { at: number; message: string } | undefined;
  private closed = false;

  constructor(options: IssuerOptions) {
    this.options = options;
    this.url = checkIssuerUrl(options.issuer, 'auth.oidc.issuer');
  }

  get issuer(): string {
    return this.options.issuer;
  }

  start(): void {
    void this.discover().catch(() => undefined);
  }

  /** The discovered configuration; discovers on demand (at most once per second while the issuer is down). */
  async current(): Promise<oauth.Configuration> {
    if (this.configuration) return this.configuration;
    if (this.lastFailure && Date.now() - this.lastFailure.at < 1000 && !this.discovering) {
      throw unavailable(this.issuer);
    }
    return this.discover();
  }

  /** Record the outcome of a request to the issuer, for health and the log. */
  reportFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.lastFailure)
      this.options.log.warn({ issuer: this.issuer, err: message }, 'identity provider unreachable');
    this.lastFailure = { at: Date.now(), message };
  }

  reportSuccess(): void {
    if (this.lastFailure) this.options.log.info({ issuer: this.issuer }, 'identity provider reachable again');
    this.lastFailure = undefined;
  }

  health(): HealthReport {
    if (this.lastFailure)
      return { status: 'degraded', detail: `issuer ${this.issuer} unreachable: ${this.lastFailure.message}` };
    if (!this.configuration) return { status: 'degraded', detail: `discovering issuer ${this.issuer}` };
    return { status: 'ok' };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private discover(): Promise<oauth.Configuration> {
    this.discovering ??= this.runDiscovery().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async runDiscovery(): Promise<oauth.Configuration> {
    const { clientId, clientSecret, timeoutMs } = this.options;
    const auth = clientId && clientSecret ? oauth.ClientSecretBasic(clientSecret) : oauth.None();
    try {
      const configuration = await oauth.discovery(this.url, clientId ?? 'tailwarden', undefined, auth, {
        timeout: Math.ceil(timeoutMs / 1000),
        execute: this.url.protocol === 'http:' ? [oauth.allowInsecureRequests] : [],
      });
      configuration.timeout = Math.ceil(timeoutMs / 1000);
      if (!configuration.serverMetadata().introspection_endpoint) {
        throw new Error('its metadata has no introspection_endpoint (TSIDP older than introspection?)');
      }
      this.configuration = configuration;
      this.reportSuccess();
      this.schedule(this.options.refreshMs);
      return configuration;
    } catch (error) {
      this.reportFailure(error);
      this.schedule(this.configuration ? this.options.refreshMs : this.options.retryMs);
      if (this.configuration) return this.configuration; // a failed refresh keeps the known metadata
      throw unavailable(this.issuer, error);
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.discover().catch(() => undefined), ms);
    this.timer.unref();
  }
}

import type { Config } from '../../../config/schema.ts';
import { GatewayError } from '../../../errors.ts';
import { ApiKeyCredentials, type Credentials, OAuthCredentials } from './auth.ts';
import { AdminApiClient } from './client.ts';

type Settings = Config['modules']['tailscale'];

/** OAuth client credentials win over an API key when both are set (they are scoped and short-lived). */
export function credentialsFrom(settings: Settings): Credentials | undefined {
  const base = settings.api_url.replace(/\/+$/, '');
  if (settings.oauth_client_id || settings.oauth_client_secret) {
    if (!settings.oauth_client_id || !settings.oauth_client_secret) {
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        'Tailscale OAuth needs both TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID and TAILWARDEN_TAILSCALE_OAUTH_CLIENT_SECRET.',
      );
    }
    return new OAuthCredentials({
      tokenUrl: `${base}/oauth/token`,
      clientId: settings.oauth_client_id,
      clientSecret: settings.oauth_client_secret,
      timeoutMs: settings.api_timeout,
    });
  }
  return settings.api_key ? new ApiKeyCredentials(settings.api_key) : undefined;
}

export function createAdminClient(settings: Settings): AdminApiClient {
  return new AdminApiClient({
    baseUrl: settings.api_url,
    tailnet: settings.tailnet,
    credentials: credentialsFrom(settings),
    timeoutMs: settings.api_timeout,
    maxRetries: settings.max_retries,
    retryBaseDelayMs: settings.retry_base_delay,
    maxRetryAfterMs: settings.max_retry_after,
  });
}

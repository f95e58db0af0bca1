import { z } from 'zod';
import { bool, duration, int, optionalStr, section, str } from '../../config/fields.ts';

export const tailscaleConfig = section(
  {
    enabled: bool(false, {
      description:
        'Expose the tailscale module (local daemon and admin API tools). Off by default: it needs socket access and API credentials.',
    }),
    socket: str('/var/run/tailscale/tailscaled.sock', {
      description: "Path of tailscaled's LocalAPI unix socket.",
    }),
    localapi_timeout: duration('10s', { description: 'Upper bound on one LocalAPI request.' }),
    api_url: z
      .url({ protocol: /^https?$/ })
      .meta({
        description: 'Base URL of the Tailscale admin API v2 (change only for tests or a proxy).',
        format: 'url',
      })
      .default('https://api.tailscale.com/api/v2'),
    tailnet: str('-', {
      description: 'Tailnet the admin API acts on; "-" is the default tailnet of the key or OAuth client.',
    }),
    api_key: optionalStr({
      description: 'Admin API access token (tskey-api-…). Environment only.',
      env: 'TAILWARDEN_TAILSCALE_API_KEY',
      secret: true,
      envOnly: true,
    }),
    oauth_client_id: optionalStr({
      description: 'OAuth client id (client credentials); used instead of api_key when set.',
      env: 'TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID',
    }),
    oauth_client_secret: optionalStr({
      description: 'OAuth client secret (tskey-client-…). Environment only.',
      env: 'TAILWARDEN_TAILSCALE_OAUTH_CLIENT_SECRET',
      secret: true,
      envOnly: true,
    }),
    api_timeout: duration('30s', { description: 'Upper bound on one admin API request (each attempt).' }),
    max_retries: int(
      3,
      { description: 'Retries of an idempotent admin API request after 429/5xx/network errors.' },
      0,
      10,
    ),
    retry_base_delay: duration('500ms', {
      description:
        'First backoff delay between retries (doubled each time, with jitter) when no Retry-After is given.',
    }),
    max_retry_after: duration('60s', {
      description: 'Longest Retry-After the gateway waits out; a longer one fails the call with that figure.',
    }),
    stale_days: int(
      30,
      { description: 'In tailscale_audit, a device not seen for this many days is stale.' },
      1,
    ),
    key_expiry_warn_days: int(
      14,
      {
        description:
          'In tailscale_audit, device keys and auth keys expiring within this many days are reported.',
      },
      1,
    ),
  },
  'Tailscale module: the local tailscaled (LocalAPI) and the tailnet (admin API v2).',
);

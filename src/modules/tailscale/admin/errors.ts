import { GatewayError } from '../../../errors.ts';
import { scrubSecrets } from './scrub.ts';

export interface ErrorContext {
  /** What the request was for, as a verb phrase: "list devices", "write the policy file". */
  action: string;
  /** The OAuth scope the request needs, named in the 403 message. */
  scope: string;
  /** Message for a 404 (e.g. which device id was not found). */
  notFound?: string;
  credentials: 'api-key' | 'oauth';
  secrets: readonly string[];
}

interface ApiErrorBody {
  message: string;
  data: unknown[];
}

/** The documented error body is `{message, data, status}`; anything else is kept as short text. */
export function parseErrorBody(text: string, secrets: readonly string[]): ApiErrorBody {
  let message = text.trim().slice(0, 300);
  let data: unknown[] = [];
  try {
    const parsed = JSON.parse(text) as { message?: unknown; data?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
    if (Array.isArray(parsed.data)) data = parsed.data;
  } catch {
    // not JSON: keep the text
  }
  return { message: scrubSecrets(message, secrets), data };
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Turn a non-2xx admin API answer into a GatewayError whose message names the fix. */
export function adminApiError(
  status: number,
  text: string,
  context: ErrorContext,
  retryAfter?: number,
): GatewayError {
  const { message, data } = parseErrorBody(text, context.secrets);
  const cause = `HTTP ${status}: ${message}${data.length ? ` ${scrubSecrets(JSON.stringify(data).slice(0, 500), context.secrets)}` : ''}`;
  const upstream = message ? ` Tailscale said: "${message}".` : '';
  switch (status) {
    case 400:
    case 422:
      return new GatewayError(
        'ERR_INPUT_REJECTED',
        `Tailscale rejected the request to ${context.action}.${upstream} Correct the arguments and retry.`,
        { cause, details: data.length ? { problems: data.slice(0, 20) } : undefined },
      );
    case 401:
      return new GatewayError(
        'ERR_UPSTREAM_FAILED',
        context.credentials === 'oauth'
          ? `Tailscale did not accept the OAuth access token to ${context.action}; check that the OAuth client still exists (TAILWARDEN_TAILSCALE_OAUTH_CLIENT_ID / _SECRET).`
          : `Tailscale did not accept the API key to ${context.action}: it is invalid, expired or revoked. Create a new access token (Settings → Keys) and set TAILWARDEN_TAILSCALE_API_KEY in the environment file.`,
        { cause },
      );
    case 403:
      return new GatewayError(
        'ERR_UPSTREAM_FAILED',
        context.credentials === 'oauth'
          ? `The OAuth client may not ${context.action}: it lacks the "${context.scope}" scope. Create an OAuth client with the "${context.scope}" scope (Settings → OAuth clients) and set its id and secret in the environment file.${upstream}`
          : `The API key may not ${context.action}: its owner lacks the admin role this needs (Owner, Admin, Network admin or IT admin).${upstream}`,
        { cause, details: { required_scope: context.scope } },
      );
    case 404:
      return new GatewayError(
        'ERR_NOT_FOUND',
        context.notFound ??
          `Tailscale found nothing to ${context.action} (HTTP 404); check the id and the tailnet name.`,
        { cause },
      );
    case 409:
    case 412:
      return new GatewayError(
        'ERR_CONFLICT',
        `Could not ${context.action}: it changed since it was read (ETag mismatch). Read it again, re-apply the change and retry with the new ETag.`,
        { cause },
      );
    case 429:
      return new GatewayError(
        'ERR_RATE_LIMITED',
        `Tailscale is rate-limiting the admin API; retry ${retryAfter !== undefined ? `in ${retryAfter} s` : 'later'}.`,
        { cause, retryAfter: retryAfter ?? 30 },
      );
    default:
      if (status >= 500) {
        return new GatewayError(
          'ERR_UPSTREAM_UNAVAILABLE',
          `The Tailscale admin API failed to ${context.action} (HTTP ${status}); retry later or check https://status.tailscale.com.`,
          { cause, retryAfter: 10 },
        );
      }
      return new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `The Tailscale admin API answered HTTP ${status} to ${context.action}.${upstream}`,
        { cause },
      );
  }
}

/**
 * The senders every notification uses (approval requests, alert state changes): a JSON
 * webhook, an ntfy topic, a Gotify server. One attempt each; callers decide on retries.
 * Targets are reported by host only: a webhook URL may carry a secret in its path.
 */
import { maskSecretsInText } from '../audit/secrets.ts';

export type Channel = 'webhook' | 'ntfy' | 'gotify';

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** POST a body; any status but 2xx is a failure. Redirects are refused (they could lead anywhere). */
export async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: init.headers,
    body: init.body,
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}

/**
 * POST a notification meant for people (approval requests, alerts): every one leaves through here,
 * so here its text goes through the shared secret detector. (Metric exports use `post`: numbers and
 * label values, which the detector would mangle.)
 */
export function postNotification(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<void> {
  return post(url, { ...init, body: maskSecretsInText(init.body) }, timeoutMs);
}

/** A short, secret-free reason a send failed. */
export function describeFailure(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message.slice(0, 200) : String(error);
}

/**
 * A header value fit for any text: control characters (a header break) become spaces,
 * and text beyond Latin-1 is sent RFC 2047-encoded, which ntfy decodes.
 */
export function headerText(text: string, max = 250): string {
  const flat = [...maskSecretsInText(text)]
    .map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? ' ' : c))
    .join('')
    .slice(0, max);
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

export function sendWebhook(url: string, payload: unknown, timeoutMs: number): Promise<void> {
  return postNotification(
    url,
    { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) },
    timeoutMs,
  );
}

export interface NtfyMessage {
  title: string;
  body: string;
  priority: 'min' | 'low' | 'default' | 'high' | 'urgent';
  tags?: string;
  click?: string;
  actions?: string;
}

/** ntfy's publish-as-headers form: the message is the body, the rest are headers. */
export function ntfyHeaders(message: NtfyMessage, token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: headerText(message.title),
    priority: message.priority,
  };
  if (message.tags) headers.tags = headerText(message.tags);
  if (message.click) headers.click = headerText(message.click, 2000);
  if (message.actions) headers.actions = headerText(message.actions, 2000);
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

export function sendNtfy(
  topicUrl: string,
  message: NtfyMessage,
  token: string | undefined,
  timeoutMs: number,
) {
  return postNotification(topicUrl, { headers: ntfyHeaders(message, token), body: message.body }, timeoutMs);
}

export interface GotifyMessage {
  title: string;
  message: string;
  /** 0–10 */
  priority: number;
}

/** Gotify's REST API: POST {server}/message with the application token. */
export function sendGotify(serverUrl: string, token: string, message: GotifyMessage, timeoutMs: number) {
  const url = `${serverUrl.replace(/\/+$/, '')}/message`;
  return postNotification(
    url,
    { headers: { 'content-type': 'application/json', 'x-gotify-key': token }, body: JSON.stringify(message) },
    timeoutMs,
  );
}

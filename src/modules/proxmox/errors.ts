import { GatewayError } from '../../errors.ts';
import { CertificateChangedError, isUntrustedCertificate } from './tls.ts';

export interface ProxmoxErrorContext {
  /** Cluster name from the config. */
  cluster: string;
  /** Base URL of the cluster (no secret in it). */
  url: string;
  tokenId: string;
  /** What the request was for, as a verb phrase: "list guests", "start guest 105". */
  action: string;
}

/** Control characters and overlong text stay out of messages the caller and the audit log see. */
export function cleanText(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Proxmox's own words: the JSON `message`, else the HTTP reason phrase, plus any per-parameter errors. */
export function upstreamMessage(statusMessage: string, body: string): { message: string; errors: string[] } {
  let message = statusMessage;
  let errors: string[] = [];
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    if (typeof parsed.message === 'string' && parsed.message.trim()) message = parsed.message;
    if (parsed.errors && typeof parsed.errors === 'object')
      errors = Object.entries(parsed.errors as Record<string, unknown>)
        .slice(0, 10)
        .map(([key, value]) => `${cleanText(key, 60)}: ${cleanText(String(value), 200)}`);
  } catch {
    // not JSON: the reason phrase is all there is
  }
  return { message: cleanText(message), errors };
}

const PERMISSION_CHECK = /Permission check failed \(([^,)]{1,200}),\s*([^)]{1,200})\)/;

/**
 * The one translation of Proxmox API answers and transport failures into
 * GatewayErrors whose message says what to do. The token secret is never part
 * of any input here.
 */
export function proxmoxError(
  context: ProxmoxErrorContext,
  failure: { status: number; statusMessage: string; body: string } | { transport: unknown },
): GatewayError {
  if ('transport' in failure) return transportError(context, failure.transport);
  const { status } = failure;
  const { message, errors } = upstreamMessage(failure.statusMessage, failure.body);
  const said = message ? ` Proxmox said: "${message}".` : '';
  const cause = `HTTP ${status} ${message}${errors.length ? ` (${errors.join('; ')})` : ''}`;
  const where = `Proxmox cluster "${context.cluster}"`;

  if (status === 401) {
    return new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `${where} did not accept the API token ${context.tokenId} to ${context.action}: the id or secret is wrong, or the token was removed or expired. Check it on the host (pveum user token list ${context.tokenId.split('!')[0]}) and set its secret in TAILWARDEN_PROXMOX_TOKEN_SECRET (or TAILWARDEN_PROXMOX_TOKEN_SECRETS) in the environment file.`,
      { cause },
    );
  }
  if (status === 403) {
    const check = PERMISSION_CHECK.exec(message);
    const path = check?.[1]?.trim();
    const privilege = check?.[2]?.trim();
    return new GatewayError(
      'ERR_UPSTREAM_FAILED',
      check
        ? `The Proxmox token ${context.tokenId} may not ${context.action}: it lacks ${privilege} on ${path}. Grant it on the host, e.g. pveum acl modify ${path} --tokens '${context.tokenId}' --roles <a role with ${privilege}> (privilege-separated tokens need ACL entries of their own); proxmox_access_check lists everything it lacks.`
        : `The Proxmox token ${context.tokenId} may not ${context.action}.${said} Run proxmox_access_check to see what it lacks.`,
      { cause, details: check ? { path, privilege } : undefined },
    );
  }
  if (status === 400) {
    return new GatewayError(
      'ERR_INPUT_REJECTED',
      `${where} refused the request to ${context.action}.${said}${errors.length ? ` ${errors.join('; ')}.` : ''} Correct the arguments and retry.`,
      { cause },
    );
  }
  if (status >= 595 && status <= 599) {
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `${where} could not reach the node that must ${context.action} (HTTP ${status}${message ? `: ${message}` : ''}). The node may be down or cut off from the cluster; check it on the host (pvecm status) and retry.`,
      { cause, retryAfter: 10 },
    );
  }
  if (/checksum mismatch|detected modified configuration/i.test(message)) {
    return new GatewayError(
      'ERR_CONFLICT',
      `Could not ${context.action}: the configuration changed since it was read (digest mismatch), so nothing was written. Read it again with proxmox_guest_config_get, re-apply the change and pass the new digest.`,
      { cause },
    );
  }
  if (/does not exist|no such (vm|task|snapshot|volume|storage)|not found/i.test(message)) {
    return new GatewayError('ERR_NOT_FOUND', `${where} found nothing to ${context.action}.${said}`, {
      cause,
    });
  }
  if (/\block\b|locked/i.test(message)) {
    return new GatewayError(
      'ERR_CONFLICT',
      `${where} refused to ${context.action} because the guest is locked by another operation.${said} Wait for the running task (proxmox_tasks_list) and retry.`,
      { cause, retryAfter: 10 },
    );
  }
  if (status === 501) {
    return new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `${where} does not implement the call to ${context.action}.${said} Is it Proxmox VE 8 or newer?`,
      { cause },
    );
  }
  return new GatewayError(
    'ERR_UPSTREAM_FAILED',
    `${where} failed to ${context.action} (HTTP ${status}).${said}`,
    { cause },
  );
}

function transportError(context: ProxmoxErrorContext, error: unknown): GatewayError {
  const where = `Proxmox cluster "${context.cluster}" at ${context.url}`;
  if (error instanceof GatewayError) return error;
  if (error instanceof CertificateChangedError) {
    return new GatewayError(
      'ERR_HOST_KEY_UNTRUSTED',
      `REFUSED: the TLS certificate of ${where} HAS CHANGED. Pinned SHA-256 ${error.pinned}, presented ${error.presented}. Someone may be intercepting the connection, or the certificate was renewed. Nothing was sent. Check the fingerprint on the host itself (pvenode cert info); only if it is the new one, put it in the cluster's fingerprint setting.`,
      { cause: error },
    );
  }
  if (isUntrustedCertificate(error)) {
    const code = (error as { code: string }).code;
    return new GatewayError(
      'ERR_HOST_KEY_UNTRUSTED',
      `The TLS certificate of ${where} is not trusted (${code}); nothing was sent. Proxmox's own certificate needs its SHA-256 fingerprint pinned (fingerprint, from pvenode cert info on the host) or the cluster CA (ca_file, /etc/pve/pve-root-ca.pem); with ca_file the URL's host name must be in the certificate.`,
      { cause: error },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new GatewayError(
      'ERR_TIMEOUT',
      `${where} did not answer within the time allowed to ${context.action} (modules.proxmox.api_timeout).`,
      { cause: error, retryAfter: 10 },
    );
  }
  return new GatewayError(
    'ERR_UPSTREAM_UNAVAILABLE',
    `${where} is not reachable to ${context.action}${typeof code === 'string' ? ` (${code})` : ''}; check that the host is up, that port 8006 is reachable from the gateway, and the cluster's url.`,
    { cause: error, retryAfter: 10 },
  );
}

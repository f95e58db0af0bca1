import { scrubText } from '../../../audit/redact.ts';

/**
 * Remove the gateway's own Tailscale credentials (known values) and anything the shared secret
 * detector recognises (tskey-… keys among them) from a text bound for a message or a log.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return scrubText(
    text,
    secrets.filter((secret) => secret.length >= 6),
  );
}

/** Tailscale secrets have a recognisable prefix; anything shaped like one is hidden too. */
const TSKEY = /tskey-[A-Za-z0-9-]+/g;

/** Remove every known secret value (and tskey-… look-alikes) from a text bound for a message or log. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  return out.replace(TSKEY, 'tskey-[redacted]');
}

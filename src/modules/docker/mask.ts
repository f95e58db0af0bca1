/** Names whose values are secrets: PASSWORD, DB_PASS, API_KEY, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY… */
const SECRET_NAME =
  /pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth|session|cookie|salt|signing|dsn/i;
/** Credentials inside URLs: scheme://user:password@host. */
// The lookbehind keeps the scan linear (as in audit/redact.ts): without it every letter of a long
// run started a scheme match that ran to the end of the run, quadratic in an image's ENV value.
const URL_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi;

export const MASK = '***';

/** Mask one environment entry (`NAME=value`) when its name or value looks secret. */
export function maskEnvEntry(entry: string): string {
  const eq = entry.indexOf('=');
  if (eq < 0) return entry;
  const name = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (value !== '' && SECRET_NAME.test(name)) return `${name}=${MASK}`;
  return `${name}=${value.replace(URL_CREDENTIALS, `$1${MASK}@`)}`;
}

export function maskEnv(env: readonly string[] | null | undefined): string[] {
  return (env ?? []).map(maskEnvEntry);
}

/**
 * Which names say their value is a secret (`DB_PW`, `N8N_ENCRYPTION_KEY`, `apiKey`, `--password`),
 * for maps, environment lists, `NAME=value`, `name: value` and command-line flags alike.
 */

/** Name parts that make a value a secret wherever they appear in the name. */
const SECRET_PARTS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'pw',
  'pass',
  'secret',
  'secrets',
  'token',
  'apikey',
  'authkey',
  'privatekey',
  'secretkey',
  'accesskey',
  'credential',
  'credentials',
  'authorization',
  'cookie',
  'dsn',
  'salt',
]);
/** A last part that names something about the secret, not the secret itself (DB_PASSWORD_FILE, token_id). */
const NOT_THE_VALUE = new Set([
  'file',
  'path',
  'dir',
  'id',
  'ids',
  'name',
  'names',
  'user',
  'username',
  'length',
  'len',
  'min',
  'max',
  'policy',
  'hint',
  'enabled',
  'disabled',
  'required',
  'count',
  'expiry',
  'expires',
  'ttl',
  'type',
  'mode',
  'days',
  'url',
  'uri',
  'endpoint',
  'host',
  'port',
  'stdin',
  'set',
  'source',
]);
/** `…_KEY` is a secret (N8N_ENCRYPTION_KEY, MEILI_MASTER_KEY, api_key) unless it is one of these. */
const PUBLIC_KEY_KINDS = new Set(['public', 'host', 'sort', 'primary', 'foreign', 'partition', 'cache']);

function nameParts(name: string): string[] {
  return name
    .slice(0, 128)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Every secret name contains one of these; anything else is answered without splitting the name. */
const MAYBE_SECRET = /pass|pw|secret|token|key|auth|cred|cookie|dsn|salt/i;
const judged = new Map<string, boolean>();
const JUDGED_MAX = 1024;

/** Does a key, variable or option name say its value is a secret? (`DB_PW`, `apiKey`, `--password`, `N8N_ENCRYPTION_KEY`) */
export function isSecretName(name: string): boolean {
  const short = name.length > 128 ? name.slice(0, 128) : name;
  if (!MAYBE_SECRET.test(short)) return false;
  let secret = judged.get(short);
  if (secret === undefined) {
    secret = judgeName(short);
    if (judged.size >= JUDGED_MAX) judged.clear(); // names repeat (env lists, log lines): a small cache
    judged.set(short, secret);
  }
  return secret;
}

function judgeName(name: string): boolean {
  const parts = nameParts(name);
  const last = parts[parts.length - 1];
  if (last === undefined || NOT_THE_VALUE.has(last)) return false;
  if (parts.length === 1 && last === 'pwd') return false; // the shell's working directory, not a password
  if (parts.some((p) => SECRET_PARTS.has(p))) return true;
  for (let i = 0; i + 1 < parts.length; i++) {
    // "api key", "private key", "auth key": the parts written apart
    if (SECRET_PARTS.has(`${parts[i]}${parts[i + 1]}`)) return true;
  }
  if (last === 'auth') return true;
  if (last === 'key') return parts.length === 1 || !PUBLIC_KEY_KINDS.has(parts[parts.length - 2]!);
  return false;
}

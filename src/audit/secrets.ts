/**
 * The one secret detector of the gateway. Everything that leaves it (audit
 * records, log lines, approvals and their notifications, error texts, tool
 * results for callers without secrets:read) is masked by the functions here,
 * through src/audit/redact.ts.
 *
 * Every rule is a linear scan: each regular expression starts only where a
 * lookbehind allows (never inside a run it would rescan), and private-key
 * blocks are found with indexOf. Masked text never contains a quote or a
 * backslash, and nothing between a quote and a backslash is cut apart, so
 * masking JSON text keeps it valid JSON.
 */

/** What a masked value turns into: visibly a secret, with its length, never silently dropped. */
export function secretMark(value: string): string {
  return `[secret: ${value.length} chars]`;
}

const MARK = /^\[secret: \d+ chars\]$/;
/** Text longer than this is not scanned: it is replaced whole (fail closed). Tool outputs are capped below it. */
export const MAX_SCAN_CHARS = 8 * 1024 * 1024;

// ── names ──────────────────────────────────────────────────────────────────

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

// ── values ─────────────────────────────────────────────────────────────────

/** Well-known credential formats; each starts after a character that cannot be part of it. */
const TOKEN_SOURCES = [
  'gh[pousr]_[A-Za-z0-9]{20,}',
  'github_pat_[A-Za-z0-9_]{20,}',
  'glpat-[A-Za-z0-9_-]{20,}',
  'gl(?:dt|rt|ptt|cbt|soat)-[A-Za-z0-9_-]{20,}',
  'xox[abposre]-[A-Za-z0-9-]{10,}',
  'sk-[A-Za-z0-9_-]{20,}',
  '(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}',
  '(?:AKIA|ASIA)[A-Z0-9]{16}',
  'tskey-[A-Za-z0-9-]{8,}',
  'npm_[A-Za-z0-9]{30,}',
  'hf_[A-Za-z0-9]{30,}',
  'AGE-SECRET-KEY-1[A-Z0-9]{20,}',
  'eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}',
];
const TOKEN = new RegExp(`(?<![A-Za-z0-9_-])(?:${TOKEN_SOURCES.join('|')})`, 'g');
const WHOLE_TOKEN = new RegExp(`^(?:${TOKEN_SOURCES.join('|')})$`);

/** A user name that is really a credential: a known token format, or a long random-looking string (a DSN key). */
function tokenLike(user: string): boolean {
  if (WHOLE_TOKEN.test(user)) return true;
  return user.length >= 20 && /^[A-Za-z0-9._~-]+$/.test(user) && /\d/.test(user) && /[A-Za-z]/.test(user);
}

/**
 * `scheme://userinfo@` — the userinfo runs to the last `@` before the path, so a password that
 * itself starts with or holds `@` is masked whole, and a token used as the user name is masked too.
 * Anchored on the literal `://`; the scheme before it is checked by hand (a lookbehind tried at
 * every position costs a hundred times more on plain text).
 */
const AUTHORITY = /:\/\/([^\s/?#"'\\<>]*)@/g;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const MAX_SCHEME = 32;

function hasScheme(text: string, colon: number): boolean {
  let start = colon;
  while (start > 0 && colon - start < MAX_SCHEME && SCHEME_CHAR.test(text[start - 1]!)) start--;
  if (start === colon || !/[A-Za-z]/.test(text[start]!)) return false;
  return start === 0 || !SCHEME_CHAR.test(text[start - 1]!);
}

/** The userinfo with its secrets masked, or undefined when it holds none (a plain user name). */
function maskUserinfo(userinfo: string): string | undefined {
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const password = colon < 0 ? '' : userinfo.slice(colon + 1);
  const secretUser = user.length >= 14 && tokenLike(user); // no credential format is shorter
  const secretPassword = password !== '' && !MARK.test(password);
  if (!secretUser && !secretPassword) return undefined;
  const shownUser = secretUser ? secretMark(user) : user;
  return colon < 0 ? shownUser : `${shownUser}:${secretPassword ? secretMark(password) : password}`;
}

function maskUrls(text: string): string {
  if (!text.includes('://')) return text;
  const parts: string[] = [];
  let from = 0;
  AUTHORITY.lastIndex = 0;
  for (let m = AUTHORITY.exec(text); m; m = AUTHORITY.exec(text)) {
    const masked = maskUserinfo(m[1]!);
    if (masked === undefined || !hasScheme(text, m.index)) continue;
    parts.push(text.slice(from, m.index + 3), masked, '@');
    from = AUTHORITY.lastIndex;
  }
  return from === 0 ? text : parts.join('') + text.slice(from);
}

/** What ends a bare value: whitespace, a quote or a backslash (so JSON escapes are never cut apart). */
function endsWord(code: number): boolean {
  return (
    code <= 32 ||
    code === 34 ||
    code === 39 ||
    code === 92 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x2028 ||
    code === 0x2029
  );
}

/** What ends a value that runs to the end of its line: a line break, a quote or a backslash. */
function endsLine(code: number): boolean {
  return code === 10 || code === 13 || code === 34 || code === 39 || code === 92;
}
const MAX_QUOTED = 4096;

/**
 * Where the value that starts at `start` ends, and the part of it to mask. A quoted value keeps its
 * quotes (so JSON stays JSON); an already masked value, an object, an array or nothing is left alone.
 */
function valueAt(
  text: string,
  start: number,
  rest: 'word' | 'line' | 'quoted',
): [number, number] | undefined {
  const first = text[start];
  if (first === undefined || text.startsWith('[secret: ', start)) return undefined;
  if (first === '"' || first === "'") {
    for (let i = start + 1; i < text.length && i <= start + MAX_QUOTED; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === first) return i > start + 1 ? [start + 1, i] : undefined;
      else if (c === '\n') return undefined;
    }
    return undefined;
  }
  if (first === '\\' && text[start + 1] === '"') {
    // A quoted value inside JSON text (`--password=\"a b\"` in a log line): walk the escapes in pairs.
    for (let i = start + 2; i < text.length && i <= start + MAX_QUOTED; i++) {
      if (text[i] === '"') return undefined; // the JSON string itself ended
      if (text[i] !== '\\') continue;
      if (text[i + 1] === '"') return i > start + 2 ? [start + 2, i] : undefined;
      i++;
    }
    return undefined;
  }
  if (rest === 'quoted' || first === '{' || first === '[') return undefined;
  const stops = rest === 'line' ? endsLine : endsWord;
  let end = start;
  while (end < text.length && !stops(text.charCodeAt(end))) end++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  // A line already masked by a more precise rule (`Authorization: Bearer [secret: …]`) is left as it is.
  if (rest === 'line' && text.slice(start, end).includes('[secret: ')) return undefined;
  return end > start ? [start, end] : undefined;
}

type ValueKind = 'word' | 'line' | 'quoted';

/** Collects the pieces of a masked text; joined once at the end (no quadratic string building). */
class Masked {
  private readonly parts: string[] = [];
  private from = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  mask(start: number, end: number): void {
    this.parts.push(this.text.slice(this.from, start), secretMark(this.text.slice(start, end)));
    this.from = end;
  }
  done(): string {
    return this.from === 0 ? this.text : this.parts.join('') + this.text.slice(this.from);
  }
}

/** `--password=x`, `--token x`, `-api-key x` */
const FLAG = /(?<![\w-])--?([A-Za-z][\w.-]{0,63})(?:=|[ \t]+)/g;

/** The values after `--flag` names that are secrets; a flag that is not is skipped right after its name. */
function maskFlags(text: string): string {
  if (!text.includes('-')) return text;
  const out = new Masked(text);
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(text); m; m = FLAG.exec(text)) {
    if (!isSecretName(m[1]!)) continue;
    const span = valueAt(text, FLAG.lastIndex, 'word');
    if (!span) continue;
    out.mask(span[0], span[1]);
    FLAG.lastIndex = span[1];
  }
  return out.done();
}

const MAX_NAME = 64;

/** [A-Za-z_] */
function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** [\w.-] */
function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57) || code === 46 || code === 45;
}

/** The start of the name that ends at `end` (a run of [\w.-], at most 64, starting with a letter or _), or -1. */
function nameStart(text: string, end: number): number {
  let start = end;
  while (start > 0 && end - start <= MAX_NAME && isNameChar(text.charCodeAt(start - 1))) start--;
  if (start === end || end - start > MAX_NAME || !isNameStart(text.charCodeAt(start))) return -1;
  return start;
}

interface NamedAt {
  name: [number, number];
  kind: ValueKind;
}

/** `NAME=` ending at the equals sign. */
function assignmentAt(text: string, at: number): NamedAt | undefined {
  const start = nameStart(text, at);
  return start < 0 ? undefined : { name: [start, at], kind: 'word' };
}

/** `name:`, `"name" :`, `'name':` or `\"name\":` ending at the colon; a quoted name takes a quoted value only. */
function pairAt(text: string, at: number): NamedAt | undefined {
  let end = at;
  while (end > 0 && at - end < 8 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  let quote = '';
  if (text[end - 1] === '"' || text[end - 1] === "'") {
    quote = text[end - 1]!;
    if (quote === '"' && text[end - 2] === '\\') quote = '\\"';
  }
  const nameEnd = end - quote.length;
  const start = nameStart(text, nameEnd);
  if (start < 0) return undefined;
  const open = start - quote.length;
  if (quote && (open < 0 || text.slice(open, start) !== quote)) return undefined;
  if (open > 0 && /[\w.[-]/.test(text[open - 1]!)) return undefined;
  return { name: [start, nameEnd], kind: quote ? 'quoted' : 'line' };
}

/**
 * `NAME=value` (`Environment=DB_PW=x` too) and `name: value` / `"name": "value"`: anchored on each
 * `=` or `:` (found with indexOf), the name read backwards at most 64 characters, so the scan stays
 * linear and costs nothing where there is no such sign.
 */
function maskNamedValues(text: string, sign: '=' | ':'): string {
  let at = text.indexOf(sign);
  if (at < 0) return text;
  const out = new Masked(text);
  while (at >= 0) {
    let next = at + 1;
    const found = sign === '=' ? assignmentAt(text, at) : pairAt(text, at);
    if (found && isSecretName(text.slice(found.name[0], found.name[1]))) {
      let start = at + 1;
      while (
        sign === ':' &&
        start < text.length &&
        start - at < 9 &&
        (text[start] === ' ' || text[start] === '\t')
      )
        start++;
      const span = valueAt(text, start, found.kind);
      if (span) {
        out.mask(span[0], span[1]);
        next = span[1];
      }
    }
    at = text.indexOf(sign, next);
  }
  return out.done();
}

/** `Bearer x`, `Basic x` (a credential has a digit or a symbol, so prose such as "basic configuration" stays) */
const BEARER = /(?<![\w-])((?:bearer|basic|digest)[ \t]+)(?!\[secret: )([A-Za-z0-9._~+/=-]{8,})/gi;
/** mysql's `-pSecret` (password glued to the option), only where a mysql/mariadb program is named */
const MYSQL = /(?:^|[\s/"'])(?:mysql|mariadb)[\w-]*/i;
const GLUED_P = /(?<![^\s"'])(-p)(?!\[secret: )([^\s"'\\]+)/g;

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;

/** Private key blocks, found with indexOf so a thousand unmatched BEGIN lines cost one pass. */
function maskPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let from = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    if (m.index < from) continue;
    const end = text.indexOf('-----END ', m.index + m[0].length);
    const close = end < 0 ? -1 : text.indexOf('-----', end + 9);
    const stop = close < 0 ? text.length : close + 5; // an unterminated block is masked to the end
    out += `${text.slice(from, m.index)}${secretMark(text.slice(m.index, stop))}`;
    from = stop;
    PEM_BEGIN.lastIndex = stop;
  }
  return out + text.slice(from);
}

/** Does the text end inside a private key block (BEGIN with no END after it)? */
function endsInsideKey(text: string): boolean {
  if (!text.includes('PRIVATE KEY')) return false;
  let last = -1;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) last = PEM_BEGIN.lastIndex;
  return last >= 0 && text.indexOf('-----END ', last) < 0;
}

/**
 * One line of many (a file's lines, a log's lines): a private key split across lines is masked
 * line by line from its BEGIN to its END. `open` says the previous line left a key block open.
 */
export function maskKeyLine(text: string, open: boolean): { text: string; open: boolean } {
  let done = '';
  let rest = text;
  if (open) {
    const end = text.indexOf('-----END ');
    if (end < 0) return { text: text === '' ? text : secretMark(text), open: true };
    const close = text.indexOf('-----', end + 9);
    const stop = close < 0 ? text.length : close + 5;
    done = secretMark(text.slice(0, stop));
    rest = text.slice(stop);
  }
  return { text: done + maskSecretsInText(rest), open: endsInsideKey(rest) };
}

/** Mask every secret the detector recognises inside a text (a URL, a command line, a log line, JSON). */
export function maskSecretsInText(text: string): string {
  if (text.length > MAX_SCAN_CHARS)
    return `[not shown: ${text.length} characters, too long to check for secrets]`;
  let out = maskPrivateKeys(text);
  out = maskUrls(out);
  out = out.replace(TOKEN, (token) => secretMark(token));
  out = out.replace(BEARER, (whole, prefix: string, credential: string) =>
    /[0-9+/=._~-]/.test(credential) ? `${prefix}${secretMark(credential)}` : whole,
  );
  out = maskFlags(out);
  out = maskNamedValues(out, '=');
  out = maskNamedValues(out, ':');
  if (MYSQL.test(out))
    out = out.replace(GLUED_P, (_m, flag: string, value: string) => flag + secretMark(value));
  return out;
}

/**
 * An argv (a command line as a list): besides what each element holds, `--password` `x` as two
 * elements masks the second, and mysql's glued `-pSecret` is masked where mysql/mariadb is named.
 */
export function maskArgv(argv: readonly string[]): string[] {
  const mysql = argv.some((a) => MYSQL.test(a));
  return argv.map((arg, i) => {
    const before = argv[i - 1];
    if (
      before !== undefined &&
      /^--?[A-Za-z][\w.-]{0,63}$/.test(before) &&
      isSecretName(before) &&
      !MARK.test(arg)
    )
      return secretMark(arg);
    if (mysql && /^-p./.test(arg) && !arg.startsWith('-p[secret: ')) return `-p${secretMark(arg.slice(2))}`;
    return maskSecretsInText(arg);
  });
}

/** True when a whole value is already a mask (so it is not masked twice). */
export function isSecretMark(value: string): boolean {
  return MARK.test(value);
}

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
import { maskFlags, maskNamedValues } from './secret-assignments.ts';
import { isSecretMark, secretMark } from './secret-mark.ts';
import { isSecretName } from './secret-names.ts';

export { isSecretMark, isSecretName, secretMark };

/** Text longer than this is not scanned: it is replaced whole (fail closed). Tool outputs are capped below it. */
export const MAX_SCAN_CHARS = 8 * 1024 * 1024;

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
  const secretPassword = password !== '' && !isSecretMark(password);
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

/**
 * `Bearer x`, `Basic x` (a credential has a digit or a symbol, so prose such as "basic configuration" stays).
 * Not `Digest`: its header carries name=value pairs and a one-time response, and the word is common prose
 * ("the digest proxmox_guest_config_get returned").
 */
const BEARER = /(?<![\w-])((?:bearer|basic)[ \t]+)(?!\[secret: )([A-Za-z0-9._~+/=-]{8,})/gi;
/** mysql's `-pSecret` (password glued to the option), only where a mysql/mariadb program is named */
const MYSQL = /(?:^|[\s/"'])(?:mysql|mariadb)[\w-]*/i;
const GLUED_P = /-p(?!\[secret: )([^\s"'\\]+)/g;
/** `-p` starts an argument: at the start, or after a space or a quote (checked by hand: cheaper than a lookbehind). */
const startsArgument = (text: string, at: number) => at === 0 || /[\s"']/.test(text[at - 1]!);

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
    out = out.replace(GLUED_P, (whole: string, value: string, at: number, text: string) =>
      startsArgument(text, at) ? `-p${secretMark(value)}` : whole,
    );
  return out;
}

/** Whether an argv names mysql or mariadb (then a glued `-pSecret` in it is a password). */
export function namesMysql(argv: readonly string[]): boolean {
  return argv.some((a) => MYSQL.test(a));
}

/** One element of an argv, masked knowing the element before it (see maskArgv). */
export function maskArgvItem(argv: readonly string[], i: number, mysql: boolean): string {
  const arg = argv[i]!;
  const before = argv[i - 1];
  if (
    before !== undefined &&
    /^--?[A-Za-z][\w.-]{0,63}$/.test(before) &&
    isSecretName(before) &&
    !isSecretMark(arg)
  )
    return secretMark(arg);
  if (mysql && /^-p./.test(arg) && !arg.startsWith('-p[secret: ')) return `-p${secretMark(arg.slice(2))}`;
  return maskSecretsInText(arg);
}

/**
 * An argv (a command line as a list): besides what each element holds, `--password` `x` as two
 * elements masks the second, and mysql's glued `-pSecret` is masked where mysql/mariadb is named.
 */
export function maskArgv(argv: readonly string[]): string[] {
  const mysql = namesMysql(argv);
  return argv.map((_, i) => maskArgvItem(argv, i, mysql));
}

import { GatewayError } from '../../errors.ts';
import { parseWhen } from '../../util/when.ts';
import type { CommandRunner, RunResult } from './runner.ts';

/** Unit names as systemd accepts them (plus glob characters only where a pattern is allowed). */
const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]{1,255}$/;
const UNIT_PATTERN = /^[A-Za-z0-9:_.@\\*?[\]-]{1,255}$/;
export const UNIT_TYPES = [
  'service',
  'socket',
  'timer',
  'mount',
  'target',
  'path',
  'slice',
  'scope',
  'device',
  'swap',
  'automount',
] as const;

export function checkUnitName(unit: string): string {
  if (!UNIT_NAME.test(unit) || unit.startsWith('-'))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `"${unit}" is not a valid unit name; use a name like nginx or nginx.service (letters, digits, : _ . @ -).`,
    );
  return unit.includes('.') && UNIT_TYPES.some((t) => unit.endsWith(`.${t}`)) ? unit : `${unit}.service`;
}

export function checkUnitPattern(pattern: string): string {
  if (!UNIT_PATTERN.test(pattern) || pattern.startsWith('-'))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `"${pattern}" is not a valid unit pattern (e.g. "nginx*" or "*.timer").`,
    );
  return pattern;
}

/** `systemctl show` output (KEY=value lines) as a record. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** "@1795424821" (systemctl --timestamp=unix) → ISO, or null when unset. */
export function unixTimestamp(value: string | undefined): string | null {
  const match = /^@(\d+)$/.exec(value ?? '');
  return match && match[1] !== '0' ? new Date(Number(match[1]) * 1000).toISOString() : null;
}

export interface JournalEntry {
  time: string | null;
  priority: number | null;
  unit: string | null;
  identifier: string | null;
  pid: number | null;
  message: string;
}

/** One `journalctl -o json` line → an entry (MESSAGE may be a byte array for non-UTF-8 text). */
export function parseJournalJson(line: string): JournalEntry | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  const raw = entry.MESSAGE;
  const message = Array.isArray(raw) ? Buffer.from(raw as number[]).toString('utf8') : String(raw ?? '');
  const micros = Number(entry.__REALTIME_TIMESTAMP);
  return {
    time: Number.isFinite(micros) ? new Date(micros / 1000).toISOString() : null,
    priority: entry.PRIORITY === undefined ? null : Number(entry.PRIORITY),
    unit: (entry._SYSTEMD_UNIT as string) ?? (entry.UNIT as string) ?? null,
    identifier: (entry.SYSLOG_IDENTIFIER as string) ?? null,
    pid: entry._PID === undefined ? null : Number(entry._PID),
    message,
  };
}

export interface JournalQuery {
  unit?: string;
  identifier?: string;
  since?: string;
  until?: string;
  lines: number;
  priority?: string;
  grep?: string;
  boot?: boolean;
}

/**
 * journalctl argv for a query; every value is validated before it becomes an argument.
 * Times are read with the gateway's one grammar (util/when.ts) and handed to
 * journalctl as "@<unix seconds>", a form it takes whatever its version or locale.
 */
export function journalArgs(query: JournalQuery, now = new Date()): string[] {
  const args = ['journalctl', '--no-pager', '-o', 'json', '-n', String(query.lines)];
  if (query.unit) args.push('-u', checkUnitName(query.unit));
  if (query.identifier) {
    if (!/^[\w.@-]{1,100}$/.test(query.identifier))
      throw new GatewayError('ERR_INPUT_REJECTED', `"${query.identifier}" is not a valid syslog identifier.`);
    args.push('-t', query.identifier);
  }
  for (const [flag, value] of [
    ['--since', query.since],
    ['--until', query.until],
  ] as const) {
    if (value === undefined) continue;
    const seconds = Math.floor(parseWhen(value, now, flag.slice(2)).getTime() / 1000);
    args.push(`${flag}=@${seconds}`);
  }
  if (query.priority) args.push('-p', query.priority);
  if (query.grep) args.push(`--grep=${query.grep}`);
  if (query.boot) args.push('-b');
  return args;
}

/** Turn a failed systemctl/journalctl run into a GatewayError with the tool's own words. */
export function commandFailure(what: string, result: RunResult): GatewayError {
  const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 500);
  if (/System has not been booted with systemd|Failed to connect to bus|Host is down/i.test(detail))
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `${what}: systemd is not running on this host (${detail}). If the gateway runs in a container, set modules.system.exec_prefix to reach the host.`,
    );
  if (/insufficient permissions/i.test(detail))
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what}: the gateway's user may not read the journal (${detail}). Add it to the systemd-journal (or adm) group.`,
    );
  if (/Access denied|Interactive authentication required|Permission denied/i.test(detail))
    return new GatewayError(
      'ERR_PERMISSION_DENIED',
      `${what}: the gateway's user may not do this (${detail}). Grant it via polkit or sudo rules, or run it as root.`,
    );
  return new GatewayError('ERR_UPSTREAM_FAILED', `${what} failed (exit ${result.code}): ${detail}`);
}

/** Load a unit's properties; an unknown unit is ERR_NOT_FOUND, not a systemctl dump. */
export async function showUnit(
  runner: CommandRunner,
  unit: string,
  properties: readonly string[],
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<Record<string, string>> {
  const result = await runner.run(
    [
      'systemctl',
      'show',
      '--timestamp=unix',
      `--property=${['LoadState', ...properties].join(',')}`,
      '--',
      unit,
    ],
    options,
  );
  if (result.code !== 0) throw commandFailure(`systemctl show ${unit}`, result);
  const props = parseShow(result.stdout);
  if (props.LoadState === 'not-found')
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `There is no unit named ${unit} on this host; list units with system_services_list.`,
    );
  return props;
}

import type { Command } from 'commander';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { terminalSafe, terminalSafeJson } from '../util/terminal-safe.ts';

export interface CommonOptions {
  config?: string;
  stateDir?: string;
  json?: boolean;
}

/** Every command takes --config and --state-dir (also TAILWARDEN_CONFIG / TAILWARDEN_STATE_DIR). */
export function withCommonOptions(command: Command): Command {
  return command
    .option(
      '--config <file>',
      'config file (default: $TAILWARDEN_CONFIG or /etc/tailwarden/config.yaml if present)',
    )
    .option(
      '--state-dir <dir>',
      'state directory (default: $TAILWARDEN_STATE_DIR, else state_dir in the config, else $STATE_DIRECTORY, $XDG_STATE_HOME/tailwarden or ~/.local/state/tailwarden)',
    );
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print JSON instead of a table');
}

/**
 * Load the effective config for a command; flags win over everything else. Warnings (an unknown
 * TAILWARDEN_* variable) go to stderr unless the caller takes them (the daemon logs them).
 */
export function loadFor(
  options: CommonOptions,
  overrides: Record<string, unknown> = {},
  onWarning: (warning: string) => void = (warning) =>
    process.stderr.write(`tailwarden: warning: ${warning}\n`),
): LoadedConfig {
  const loaded = loadConfig({
    file: options.config,
    overrides: { ...overrides, ...(options.stateDir ? { state_dir: options.stateDir } : {}) },
  });
  for (const warning of loaded.warnings) onWarning(warning);
  return loaded;
}

/** JSON output: still valid JSON with the same values, but no C1 control or bidi override raw (see terminal-safe.ts). */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
}

/** A plain aligned table; the last column is never padded. Cells are made terminal-safe. */
export function printTable(headers: string[], unsafeRows: string[][]): void {
  const rows = unsafeRows.map((row) => row.map((cell) => terminalSafe(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** ISO 8601 in UTC to the second, the form every output of the CLI uses. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoOrDash(ms: number | null | undefined): string {
  return ms ? isoTime(ms) : '-';
}

/**
 * A stored record as the CLI prints it in JSON, like every other output: snake_case keys and ISO times
 * (`expiresAt: 1767225600000` → `expires_at: "2026-01-01T00:00:00Z"`). Shallow on purpose: values such as a
 * call's arguments keep their own keys.
 */
export function jsonRecord(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[snake] = key.endsWith('At') && typeof value === 'number' ? isoTime(value) : value;
  }
  return out;
}

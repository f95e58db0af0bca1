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
    .option('--state-dir <dir>', 'state directory (default: $TAILWARDEN_STATE_DIR or the config)');
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print JSON instead of a table');
}

/** Load the effective config for a command; flags win over everything else. */
export function loadFor(options: CommonOptions, overrides: Record<string, unknown> = {}): LoadedConfig {
  return loadConfig({
    file: options.config,
    overrides: { ...overrides, ...(options.stateDir ? { state_dir: options.stateDir } : {}) },
  });
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

export function isoOrDash(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

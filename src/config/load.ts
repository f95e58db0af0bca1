import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { loadYaml } from '../util/lazy-require.ts';
import { explainIssue, unknownEnvWarnings, yamlProblem } from './explain.ts';
import { type Config, configSchema } from './schema.ts';
import { getPath, parseEnvValue, setPath, walkConfig } from './walk.ts';

/** The YAML parser loads only when there is a file to read (most CLI calls have none to parse). */
const parseYaml = (text: string): unknown => loadYaml().parse(text);

export const SYSTEM_CONFIG_FILE = '/etc/tailwarden/config.yaml';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Config file given on the command line (wins over TAILWARDEN_CONFIG and the system file). */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Values from command-line flags, as a nested object of raw values (highest precedence). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The config file that was read, if any. */
  file: string | undefined;
  /** Problems that do not stop the gateway (e.g. an unknown TAILWARDEN_* variable), to be shown at start. */
  warnings: string[];
}

let walked: ReturnType<typeof walkConfig>['leaves'] | undefined;
const leaves = () => {
  walked ??= walkConfig(configSchema).leaves;
  return walked;
};

export function defaultStateDir(env: Record<string, string | undefined>): string {
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY.split(':')[0]!;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'tailwarden');
  return join(homedir(), '.local', 'state', 'tailwarden');
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`]);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigError([yamlProblem(file, text, error as Parameters<typeof yamlProblem>[2])]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError([`${file}: must be a YAML mapping`]);
  return data as Record<string, unknown>;
}

function envLayer(env: Record<string, string | undefined>): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const leaf of leaves()) {
    const text = env[leaf.env];
    if (text !== undefined) setPath(layer, leaf.path, parseEnvValue(leaf, text));
  }
  return layer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key], value) : value;
    }
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Say where a bad value came from: a flag, an environment variable, or the file and key. */
function describeSource(
  path: readonly PropertyKey[],
  layers: { file: Record<string, unknown>; env: Record<string, unknown>; overrides: Record<string, unknown> },
  file: string | undefined,
): string {
  const keys = path.map(String);
  const dotted = keys.join('.') || '(top level)';
  if (getPath(layers.overrides, keys) !== undefined) return `command-line flag for ${dotted}`;
  const leaf = leaves().find((l) => l.path.join('.') === dotted);
  if (leaf && getPath(layers.env, keys) !== undefined) return `environment ${leaf.env}`;
  return file ? `${file}: ${dotted}` : dotted;
}

function formatIssues(
  issues: z.core.$ZodIssue[],
  layers: Parameters<typeof describeSource>[1],
  input: Record<string, unknown>,
  file: string | undefined,
): string[] {
  return issues.map((issue) => {
    const dotted = issue.path.join('.');
    return explainIssue(issue, {
      whereOf: (path) => describeSource(path, layers, file),
      input,
      schema: configSchema,
      leaf: leaves().find((l) => l.path.join('.') === dotted),
    });
  });
}

function envOnlyProblems(fileLayer: Record<string, unknown>, file: string | undefined): string[] {
  return leaves()
    .filter((leaf) => leaf.meta.envOnly && getPath(fileLayer, leaf.path) !== undefined)
    .map(
      (leaf) =>
        `${file}: ${leaf.path.join('.')} is a secret: set ${leaf.env} in the environment file instead`,
    );
}

export function resolveConfigFile(options: LoadOptions): string | undefined {
  const env = options.env ?? process.env;
  if (options.file) return resolve(options.file);
  if (env.TAILWARDEN_CONFIG) return resolve(env.TAILWARDEN_CONFIG);
  return existsSync(SYSTEM_CONFIG_FILE) ? SYSTEM_CONFIG_FILE : undefined;
}

/** defaults < YAML file < TAILWARDEN_* environment < flags; the result is frozen. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = resolveConfigFile(options);
  const layers = {
    file: file ? readConfigFile(file) : {},
    env: envLayer(env),
    overrides: options.overrides ?? {},
  };
  const problems = envOnlyProblems(layers.file, file);
  const input = deepMerge(layers.file, layers.env, layers.overrides);
  const result = configSchema.safeParse(input);
  if (!result.success) problems.push(...formatIssues(result.error.issues, layers, input, file));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = result.data;
  config.state_dir = resolve(config.state_dir || defaultStateDir(env));
  const warnings = unknownEnvWarnings(
    env,
    leaves().map((l) => l.env),
  );
  return { config: deepFreeze(config), file, warnings };
}

/** A config for tests and tools: defaults plus the given raw values, no file, no environment. */
export function configFrom(
  raw: Record<string, unknown> = {},
  env: Record<string, string | undefined> = {},
): Config {
  return loadConfig({ env, overrides: raw }).config;
}

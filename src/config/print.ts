import { loadYaml } from '../util/lazy-require.ts';
import { formatDuration } from './fields.ts';
import type { Config } from './schema.ts';
import { configSchema } from './schema.ts';
import { getPath, setPath, walkConfig } from './walk.ts';

export const MASK = '********';

/** The effective config as plain data: secrets masked, durations written back as text. */
export function printableConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const leaf of walkConfig(configSchema).leaves) {
    const value = getPath(copy, leaf.path);
    if (value === undefined) continue;
    if (leaf.meta.secret) setPath(copy, leaf.path, MASK);
    else if (leaf.kind === 'duration' && typeof value === 'number')
      setPath(copy, leaf.path, formatDuration(value));
  }
  return copy;
}

export function configToYaml(config: Config): string {
  return loadYaml().stringify(printableConfig(config));
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';
import { walkConfig } from '../../src/config/walk.ts';
import { renderConfigExample } from '../../src/docs/config-example.ts';

describe('deploy/config.example.yaml', () => {
  it('is generated from the current schema (regenerate: npm run docs)', () => {
    expect(readFileSync('deploy/config.example.yaml', 'utf8')).toBe(renderConfigExample());
  });

  it('names every option and its environment variable', () => {
    const text = renderConfigExample();
    for (const leaf of walkConfig(configSchema).leaves) {
      expect(text).toContain(`# ${leaf.path.at(-1)}:`);
      expect(text).toContain(leaf.env);
    }
  });

  it('its commented keys, uncommented, are valid YAML in the right nesting', () => {
    const uncommented = renderConfigExample()
      .split('\n')
      .filter((line) => /^\s*# [a-z_]+:/.test(line))
      .map((line) => line.replace('# ', ''))
      .join('\n');
    expect(() => parse(uncommented)).not.toThrow();
  });
});

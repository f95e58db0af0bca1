// Writes deploy/config.example.yaml from the config schema: every option, commented out at its default, with its
// description and environment variable. Run: node scripts/gen-config-example.ts
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { configSchema } from '../src/config/schema.ts';
import { walkConfig } from '../src/config/walk.ts';

const OUT = new URL('../deploy/config.example.yaml', import.meta.url);

function yamlValue(value: unknown): string {
  if (value === undefined) return '';
  // JSON is YAML flow syntax, and keeps a map or a list on one comment line.
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : stringify(value).trim();
}

/** The text of deploy/config.example.yaml for the current schema. */
export function renderConfigExample(): string {
  const lines = [
    '# tailwarden configuration: every option, commented out at its default (generated from the schema by',
    '# scripts/gen-config-example.ts; do not edit by hand). Copy what you change to /etc/tailwarden/config.yaml.',
    '# Precedence: defaults < this file < TAILWARDEN_* environment (/etc/tailwarden/tailwarden.env) < flags.',
    '# Secrets are refused here: set them in the environment file.',
  ];
  let previousTop = '';
  for (const leaf of walkConfig(configSchema).leaves) {
    const top = leaf.path[0] ?? '';
    if (leaf.path.length > 1 && top !== previousTop) lines.push('', `# ${top}:`);
    if (leaf.path.length === 1) lines.push('');
    previousTop = top;
    const indent = '  '.repeat(leaf.path.length - 1);
    const key = leaf.path.at(-1);
    const where = leaf.meta.envOnly ? `environment only: ${leaf.env}` : `env ${leaf.env}`;
    lines.push(`${indent}# ${leaf.meta.description} (${where})`);
    const value = leaf.optional && leaf.defaultValue === undefined ? '' : ` ${yamlValue(leaf.defaultValue)}`;
    lines.push(`${indent}# ${key}:${value}`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OUT, renderConfigExample());
  process.stdout.write(`wrote ${OUT.pathname}\n`);
}

// Writes deploy/config.example.yaml from the config schema: every option, commented out at its default, with its
// description and environment variable. Written by `npm run docs`.
import { stringify } from 'yaml';
import { configSchema } from '../config/schema.ts';
import { walkConfig } from '../config/walk.ts';

function yamlValue(value: unknown): string {
  if (value === undefined) return '';
  // JSON is YAML flow syntax, and keeps a map or a list on one comment line.
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : stringify(value).trim();
}

/** The text of deploy/config.example.yaml for the current schema. */
export function renderConfigExample(): string {
  const lines = [
    '# tailwarden configuration: every option, commented out at its default (generated from the schema by',
    '# `npm run docs`; do not edit by hand). Copy what you change to /etc/tailwarden/config.yaml.',
    '# Precedence: defaults < this file < TAILWARDEN_* environment (/etc/tailwarden/tailwarden.env) < flags.',
    '# Secrets are refused here: set them in the environment file.',
  ];
  let previous: string[] = [];
  for (const leaf of walkConfig(configSchema).leaves) {
    const sections = leaf.path.slice(0, -1);
    // Open every section this leaf is in that the previous leaf was not.
    let shared = 0;
    while (shared < sections.length && sections[shared] === previous[shared]) shared++;
    if (sections.length === 0) lines.push('');
    for (let depth = shared; depth < sections.length; depth++) {
      if (depth === 0) lines.push('');
      lines.push(`${'  '.repeat(depth)}# ${sections[depth]}:`);
    }
    previous = sections;
    const indent = '  '.repeat(leaf.path.length - 1);
    const key = leaf.path.at(-1);
    const where = leaf.meta.envOnly ? `environment only: ${leaf.env}` : `env ${leaf.env}`;
    lines.push(`${indent}# ${leaf.meta.description} (${where})`);
    const value = leaf.optional && leaf.defaultValue === undefined ? '' : ` ${yamlValue(leaf.defaultValue)}`;
    lines.push(`${indent}# ${key}:${value}`);
  }
  return `${lines.join('\n')}\n`;
}

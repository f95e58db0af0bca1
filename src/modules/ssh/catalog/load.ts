import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { assetUrl } from '../../../util/asset.ts';
import { loadYaml } from '../../../util/lazy-require.ts';
import { type CatalogEntry, catalogFileSchema, entrySchema } from './schema.ts';

export const DEFAULT_CATALOG_FILE = fileURLToPath(assetUrl('modules/ssh/catalog/default.yaml'));

/** A catalog that failed validation; every problem names the file, the entry and the field. */
export class CatalogError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid command catalog:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

export interface LoadedEntry extends CatalogEntry {
  /** The file it came from (shown by ssh_commands_list and in errors). */
  source: string;
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(entry)';
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

function entryLabel(raw: unknown, index: number): string {
  const name =
    raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
      ? ` "${(raw as { name: string }).name}"`
      : '';
  return `commands[${index}]${name}`;
}

function readCatalogFile(file: string): { entries: LoadedEntry[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { entries: [], problems: [`${file}: cannot read (${(error as NodeJS.ErrnoException).code})`] };
  }
  let data: unknown;
  try {
    data = loadYaml().parse(text);
  } catch (error) {
    return { entries: [], problems: [`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  const top = catalogFileSchema.safeParse(data ?? {});
  if (!top.success) {
    return {
      entries: [],
      problems: top.error.issues.map((i) => `${file}: ${fieldOf(i.path)}: ${describe(i)}`),
    };
  }
  const entries: LoadedEntry[] = [];
  const problems: string[] = [];
  top.data.commands.forEach((raw, index) => {
    const parsed = entrySchema.safeParse(raw);
    if (parsed.success) entries.push({ ...parsed.data, source: file });
    else
      for (const issue of parsed.error.issues)
        problems.push(`${file}: ${entryLabel(raw, index)}: ${fieldOf(issue.path)}: ${describe(issue)}`);
  });
  return { entries, problems };
}

/**
 * Read and validate every catalog file. All or nothing: one bad entry in any
 * file throws a CatalogError listing every problem, and no entry is used.
 */
export function loadCatalog(files: readonly string[]): Map<string, LoadedEntry> {
  const catalog = new Map<string, LoadedEntry>();
  const problems: string[] = [];
  for (const file of files) {
    const result = readCatalogFile(file);
    problems.push(...result.problems);
    for (const entry of result.entries) {
      const earlier = catalog.get(entry.name);
      if (earlier)
        problems.push(`${file}: command "${entry.name}": name: already defined in ${earlier.source}`);
      else catalog.set(entry.name, entry);
    }
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return catalog;
}

import type { Logger } from '../../../log.ts';
import { CatalogError, DEFAULT_CATALOG_FILE, type LoadedEntry, loadCatalog } from './load.ts';

/**
 * The catalog in use. A reload validates the files afresh and swaps only when
 * every entry passes; otherwise it throws, the error names the file, entry and
 * field, and the catalog in use stays exactly as it was (never a partial mix).
 */
export class CatalogStore {
  private entries: Map<string, LoadedEntry>;
  readonly files: readonly string[];
  private readonly log: Logger;

  constructor(files: readonly string[], log: Logger) {
    this.files = files;
    this.log = log;
    this.entries = loadCatalog(files);
  }

  static filesFor(settings: { default_catalog: boolean; catalogs: readonly string[] }): string[] {
    return [...(settings.default_catalog ? [DEFAULT_CATALOG_FILE] : []), ...settings.catalogs];
  }

  get(name: string): LoadedEntry | undefined {
    return this.entries.get(name);
  }

  list(): LoadedEntry[] {
    return [...this.entries.values()];
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  reload(): number {
    try {
      this.entries = loadCatalog(this.files);
    } catch (error) {
      if (error instanceof CatalogError)
        this.log.error({ problems: error.problems }, 'command catalog reload refused; the old catalog stays');
      throw error;
    }
    this.log.info({ commands: this.entries.size }, 'command catalog reloaded');
    return this.entries.size;
  }
}

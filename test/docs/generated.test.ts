import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../src/docs/config-reference.ts';
import { renderToolCatalog } from '../../src/docs/tool-catalog.ts';
import { allModules } from '../../src/modules/index.ts';

const docs = join(import.meta.dirname, '..', '..', 'docs');
const STALE = 'is stale: run `npm run docs` and commit the result';

describe('generated reference pages', () => {
  it('docs/configuration.md matches the config schema', () => {
    expect(readFileSync(join(docs, 'configuration.md'), 'utf8'), `docs/configuration.md ${STALE}`).toBe(
      renderConfigReference(),
    );
  });

  it('docs/tools.md matches the tool definitions', () => {
    expect(readFileSync(join(docs, 'tools.md'), 'utf8'), `docs/tools.md ${STALE}`).toBe(
      renderToolCatalog(allModules),
    );
  });

  it('documents every tool and every option', () => {
    const catalog = renderToolCatalog(allModules);
    for (const module of allModules)
      for (const tool of module.tools) expect(catalog).toContain(`### ${tool.name}`);
    expect(renderConfigReference()).toContain('`TAILWARDEN_LISTEN`');
  });
});

// Regenerates the reference pages from the code: `npm run docs`. A test fails when they are stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigExample } from '../src/docs/config-example.ts';
import { renderConfigReference } from '../src/docs/config-reference.ts';
import { renderToolCatalog } from '../src/docs/tool-catalog.ts';
import { allModules } from '../src/modules/index.ts';

const docs = join(import.meta.dirname, '..', 'docs');
writeFileSync(join(docs, 'configuration.md'), renderConfigReference());
writeFileSync(join(docs, 'tools.md'), renderToolCatalog(allModules));
writeFileSync(join(docs, '..', 'deploy', 'config.example.yaml'), renderConfigExample());
console.log('wrote docs/configuration.md, docs/tools.md and deploy/config.example.yaml');

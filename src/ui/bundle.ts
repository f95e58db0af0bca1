import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assetUrl } from '../util/asset.ts';

/**
 * The browser code of the dashboard and of the MCP Apps views, from one source: plain
 * JavaScript modules under ./web, joined at start-up into one script per entry. No
 * front-end build chain: the files are valid ES modules (so the linter checks them), and
 * joining them is only ordering by their imports, dropping the import lines and the
 * `export` keywords, and wrapping the whole in one function scope.
 */

const WEB = assetUrl('ui/web/');
const IMPORT = /^import \{([^}]*)\} from '(\.{1,2}\/[\w/.-]+\.js)';\s*$/;
const EXPORT = /^export (?=(async )?function |const |class |let )/;

function moduleUrl(from: URL, spec: string): URL {
  return new URL(spec, from);
}

/** Every module the entry needs, dependencies first, each once. */
function ordered(entry: URL): URL[] {
  const seen = new Set<string>();
  const out: URL[] = [];
  const visit = (url: URL, trail: string[]) => {
    if (trail.includes(url.href)) throw new Error(`web code: import cycle through ${url.pathname}`);
    if (seen.has(url.href)) return;
    for (const line of readFileSync(url, 'utf8').split('\n')) {
      if (!line.startsWith('import')) continue;
      const match = IMPORT.exec(line);
      if (!match) throw new Error(`web code: ${url.pathname}: only "import { a, b } from './x.js';" lines`);
      visit(moduleUrl(url, match[2]!), [...trail, url.href]);
    }
    seen.add(url.href);
    out.push(url);
  };
  visit(entry, []);
  return out;
}

/** One module's text with its imports dropped and its exports made plain declarations. */
function stripped(url: URL, names: Map<string, string>): string {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .map((line) => {
      if (!EXPORT.test(line)) return line;
      const name = /^export (?:async )?(?:function\*? |const |class |let )(\w+)/.exec(line)?.[1];
      if (name) {
        const other = names.get(name);
        if (other && other !== url.pathname)
          throw new Error(`web code: ${name} is exported by ${other} and ${url.pathname}`);
        names.set(name, url.pathname);
      }
      return line.replace(EXPORT, '');
    })
    .join('\n');
}

/** The script for an entry module (a path under web/), as one self-contained function scope. */
export function bundle(entry: string): string {
  const names = new Map<string, string>();
  const parts = ordered(new URL(entry, WEB)).map(
    (url) => `// ${url.pathname.split('/web/')[1]}\n${stripped(url, names)}`,
  );
  return `(() => {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}

export function webFile(name: string): string {
  return readFileSync(new URL(name, WEB), 'utf8');
}

const require = createRequire(import.meta.url);

/** uPlot (MIT, from the npm registry), served by the gateway itself and inlined in chart views. */
export function uplot(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Script text safe to place inside an inline <script> element. */
export function inlineScript(text: string): string {
  if (/<\/script/i.test(text) || /<!--/.test(text))
    throw new Error('web code: script text would end its element');
  return text;
}

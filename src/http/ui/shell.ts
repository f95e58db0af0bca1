import { bundle, contentHash, uplot, webFile } from '../../ui/bundle.ts';
import { esc } from '../approvals-html.ts';

export interface Asset {
  body: string;
  type: string;
}

/** The dashboard's scripts and styles, joined once at start-up and served under content-hashed names. */
export function dashboardAssets(): {
  assets: Map<string, Asset>;
  urls: { app: string; uplot: string; css: string };
} {
  const lib = uplot();
  const files: [string, string, Asset][] = [
    ['app', 'js', { body: bundle('app.js'), type: 'text/javascript; charset=utf-8' }],
    ['uplot', 'js', { body: lib.js, type: 'text/javascript; charset=utf-8' }],
    ['css', 'css', { body: `${lib.css}\n${webFile('style.css')}`, type: 'text/css; charset=utf-8' }],
  ];
  const assets = new Map<string, Asset>();
  const urls: Record<string, string> = {};
  for (const [name, ext, asset] of files) {
    const file = `${name}.${contentHash(asset.body)}.${ext}`;
    assets.set(file, asset);
    urls[name] = `/ui/assets/${file}`;
  }
  return { assets, urls: urls as { app: string; uplot: string; css: string } };
}

/**
 * The page every view starts from: no data in it, only who is signed in and the CSRF token the
 * page's requests carry; the script draws the views from the JSON API.
 */
export function shellPage(
  urls: { app: string; uplot: string; css: string },
  person: { name: string; csrf: string },
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${esc(person.csrf)}">
<title>tailwarden dashboard</title>
<link rel="stylesheet" href="${urls.css}">
<script defer src="${urls.uplot}"></script>
<script defer src="${urls.app}"></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">tailwarden</span>
<nav aria-label="Views"><ul id="nav"></ul></nav>
<form method="post" action="/approvals/logout" class="signout"><input type="hidden" name="csrf" value="${esc(person.csrf)}"><input type="hidden" name="next" value="/ui"><span class="sub">${esc(person.name)}</span> <button type="submit">Sign out</button></form>
<span id="live" class="live" role="status" aria-live="polite">connecting…</span>
</header>
<main id="main" tabindex="-1"><p class="note">Loading…</p></main>
<noscript><p>The dashboard needs JavaScript. The approval page (/approvals) works without it.</p></noscript>
</body></html>
`;
}

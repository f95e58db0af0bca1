/**
 * Files the gateway reads at run time (the dashboard's browser code, app views, the SSH command catalog,
 * package.json), found relative to src/ — or, in the bundled build, to dist/, where scripts/build.js copies
 * them under the same paths. The build defines TAILWARDEN_BUNDLE: every bundled module lives directly in dist/,
 * so import.meta.url no longer says which source file the code came from.
 */
declare const TAILWARDEN_BUNDLE: boolean | undefined;

const ROOT = new URL(typeof TAILWARDEN_BUNDLE === 'boolean' ? './' : '../', import.meta.url);

/** A path relative to src/ (e.g. `ui/web/`, `../package.json`) as a file URL. */
export function assetUrl(path: string): URL {
  return new URL(path, ROOT);
}

import { readFileSync } from 'node:fs';
import { assetUrl } from './util/asset.ts';

const pkg = JSON.parse(readFileSync(assetUrl('../package.json'), 'utf8')) as {
  version: string;
};

export const VERSION: string = pkg.version;
export const SERVER_NAME = 'tailwarden';

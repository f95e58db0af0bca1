/** Runs every benchmark in bench/ in turn (each prints its own figures). */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .sort()) {
  console.log(`\n== ${file}`);
  execFileSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
}

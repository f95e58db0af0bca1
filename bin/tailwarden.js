#!/usr/bin/env node
// The sources are TypeScript run directly by Node (>= 22.18 strips types natively).
// The compile cache (NODE_COMPILE_CACHE, or the OS temp directory) keeps the compiled modules
// between runs, so start-up does not parse every dependency again.
import module from 'node:module';

module.enableCompileCache?.();

import('../src/cli.ts').then(
  (cli) => cli.main(process.argv),
  (error) => {
    console.error(`tailwarden: cannot start: ${error.message}`);
    if (error.code === 'ERR_UNKNOWN_FILE_EXTENSION')
      console.error('tailwarden needs Node.js 22.18 or newer.');
    process.exit(1);
  },
);

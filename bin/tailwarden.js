#!/usr/bin/env node
// The sources are TypeScript run directly by Node (>= 22.18 strips types natively).
import('../src/cli.ts').then(
  (cli) => cli.main(process.argv),
  (error) => {
    console.error(`tailwarden: cannot start: ${error.message}`);
    if (error.code === 'ERR_UNKNOWN_FILE_EXTENSION')
      console.error('tailwarden needs Node.js 22.18 or newer.');
    process.exit(1);
  },
);

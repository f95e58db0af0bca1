import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/prerequisites.ts'],
    // The tailwarden command runs the TypeScript sources in tests: no build step, and no test races a rebuild.
    env: { TAILWARDEN_FROM_SOURCE: '1' },
    reporters: ['default'],
  },
});

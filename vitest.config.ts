import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Liveness deadlines, not speed limits: the suite must pass on a busy two-core machine
    // (load average 5–30), where one CLI start or gateway start can take several seconds.
    // Tests wait on events; these only stop a test that hangs.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['test/support/prerequisites.ts'],
    // The tailwarden command runs the TypeScript sources in tests: no build step, and no test races a rebuild.
    env: { TAILWARDEN_FROM_SOURCE: '1' },
    reporters: ['default'],
  },
});

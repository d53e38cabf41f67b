import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the fault suite (minutes of killed workers and servers) has its own
    // command: scripts/test-faults.sh with vitest.faults.config.ts
    exclude: ['test/faults/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    // Temporal servers and PostgreSQL databases start per file; on 2 cores two
    // files at a time keeps each server inside the SDK's 5 s start budget.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

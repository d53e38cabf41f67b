// The fault suite (test/faults): workers SIGKILLed, the SMTP server down for
// a simulated day, the Temporal dev server killed and restarted. One file at
// a time: each kills processes and times its waits on the real clock.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
});

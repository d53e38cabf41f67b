// Every test process: Temporal's SDK and core log at WARN/ERROR only, so the
// test output shows test results, not every worker state change.
//
// Only in files that load the worker package: loading it costs 1–2 s of CPU
// per file, and most files (unit tests, the CLI's) never run a worker. The
// runtime must be installed before the first worker, native connection or
// test server, which the files create in their own beforeAll; this hook runs
// before those and after the file's imports, so the module cache says whether
// the file (or a helper it imports) loaded the worker package.
import { createRequire } from 'node:module';
import { beforeAll } from 'vitest';

const require = createRequire(import.meta.url);
const workerEntry = require.resolve('@temporalio/worker');

beforeAll(async () => {
  if (require.cache[workerEntry]) (await import('../lib/temporal.ts')).installQuietRuntime();
});

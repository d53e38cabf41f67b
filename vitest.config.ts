import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first (per-file durations in seconds of a
 * fresh clone's full run on a quiet machine, 2026-12-03). Two forks finish
 * together only if the long poles start first: vitest orders by the durations it cached on this
 * machine, and a fresh clone has none (it then runs larger files first,
 * which put the two simulated years near the end). Files not listed follow
 * in vitest's own order. Revise when a file's time changes a lot; a file
 * renamed or gone is simply not found here.
 */
const LONGEST_FIRST = [
  'test/integration/workflow-simulate.test.ts', // 84
  'test/integration/up.test.ts', // 49
  'test/integration/workflow-simulate-silent.test.ts', // 35
  'test/integration/cli-help.test.ts', // 29
  'test/integration/worker-intake.test.ts', // 26
  'test/integration/mail-cli.test.ts', // 24
  'test/integration/import-cli.test.ts', // 20
  'test/integration/audit-cli.test.ts', // 16
  'test/e2e/desk.test.ts', // 14
  'test/workflow/restart.test.ts', // 14
  'test/integration/intake.test.ts', // 12
  'test/integration/cadence.test.ts', // 12
  'test/integration/mail-workflow-e2e.test.ts', // 11
  'test/integration/env-file.test.ts', // 11
  'test/integration/user-cli.test.ts', // 9
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byDefault = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(path.relative(spec.project.config.root, spec.moduleId));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // a stable sort: the unlisted keep vitest's order among themselves
    return byDefault
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map((x) => x.spec);
  }
}

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
    sequence: { sequencer: LongestFirst },
    // a file's concurrent tests (each spawning the CLI, ~1 s of CPU) two at a
    // time, as test/helpers/cli.ts's dubanEach: with the other fork busy too,
    // more starved the start of the next fork past vitest's fixed 5 s
    // ("Timeout starting forks runner") on this loaded 2-core machine
    maxConcurrency: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

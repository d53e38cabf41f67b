// Every test process: Temporal's SDK and core log at WARN/ERROR only, so the
// test output shows test results, not every worker state change.
import { installQuietRuntime } from '../lib/temporal.ts';

installQuietRuntime();

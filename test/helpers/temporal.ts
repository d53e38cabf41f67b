// Temporal test environments on the binaries installed by scripts/setup.sh,
// never downloaded (the SDK would try, and fail offline).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCli, temporalTestServer, requireTool } from '../../lib/tools.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';

/**
 * The SDK gives a server 5 s to start; on a busy 2-core machine that can run
 * out, so a failed start is tried again (three times in all).
 */
async function withRetries<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** The time-skipping test server (Java SDK's, native build from PyPI). */
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return withRetries(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: requireTool(temporalTestServer) } },
    }),
  );
}

/** A real `temporal server start-dev`, in memory, with Duban's search attributes. */
export async function localDevEnv(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  const start = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: requireTool(temporalCli) },
        ui: false,
        searchAttributes: Object.values(searchAttributes),
        extraArgs,
      },
    });
  return withRetries(start);
}

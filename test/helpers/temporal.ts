// Temporal test environments on the binaries installed by scripts/setup.sh,
// never downloaded (the SDK would try, and fail offline).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCli, requireTool } from '../../lib/tools.ts';
import { startTimeSkippingServer, withStartRetries } from '../../client/simulate/throwaway-stack.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';

/** The time-skipping test server (Java SDK's, native build from PyPI). */
export const timeSkippingEnv = startTimeSkippingServer;

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
  return withStartRetries(start);
}

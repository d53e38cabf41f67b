// Temporal test environments on the binaries installed by scripts/setup.sh,
// never downloaded (the SDK would try, and fail offline).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { temporalCli, temporalTestServer, requireTool, SEARCH_ATTRIBUTES } from '../../worker/tools.ts';

/** The time-skipping test server (Java SDK's, native build from PyPI). */
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTool(temporalTestServer) } },
  });
}

/** A real `temporal server start-dev`, in memory, with Duban's search attributes. */
export function localDevEnv(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: requireTool(temporalCli) },
      ui: false,
      searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) =>
        defineSearchAttributeKey(name, type === 'KeywordList' ? SearchAttributeType.KEYWORD_LIST : (type.toUpperCase() as 'KEYWORD' | 'INT')),
      ),
      extraArgs,
    },
  });
}

// `duban audit replay`: run stored histories through today's workflow code.
// A history that no longer replays means a code change broke determinism for
// a running or finished task: the audit fails and names it.
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { bundleWorkflows } from '../../worker/worker.ts';
import { fetchRuns } from './history.ts';
import { installQuietRuntime } from '../../lib/temporal.ts';

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  ok: boolean;
  error?: string;
}

export async function replayWorkflows(
  client: Client,
  workflowIds: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayOutcome[]> {
  installQuietRuntime();
  const workflowBundle = await bundleWorkflows();
  const outcomes: ReplayOutcome[] = [];
  let done = 0;
  async function* histories() {
    for (const id of workflowIds) {
      for (const run of await fetchRuns(client, id))
        yield { workflowId: `${run.workflowId}#${run.runId}`, history: run.history };
    }
  }
  for await (const r of Worker.runReplayHistories({ workflowBundle }, histories())) {
    const [workflowId = r.workflowId, runId = r.runId] = r.workflowId.split('#');
    outcomes.push({ workflowId, runId, ok: !r.error, error: r.error?.message });
    onProgress?.(++done, workflowIds.length);
  }
  return outcomes;
}

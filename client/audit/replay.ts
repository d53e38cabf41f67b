// `duban audit replay`: run stored histories through today's workflow code.
// A history that no longer replays means a code change broke determinism for
// a running or finished task: the audit fails and names it.
//
// Fast path (issue 12): the prebuilt workflow bundle (worker/workflow-bundle.ts)
// instead of webpack on every run, histories fetched from Temporal several at
// a time while earlier ones replay, all through one Worker.runReplayHistories
// over an async iterable.
import type { Client } from '@temporalio/client';
import type { History } from './history.ts';
import { fetchRuns, type Run } from './history.ts';
import { installQuietRuntime } from '../../lib/temporal.ts';

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  ok: boolean;
  error?: string;
}

/** How many workflows' histories are fetched at once while replaying. */
const FETCH_LANES = 16;

type Named = { workflowId: string; history: History };

/**
 * Replays histories named `<workflowId>#<runId>` through one replay worker, in
 * the order given; an async iterable lets histories still arrive (fetched
 * while earlier ones replay). Several replay workers side by side were tried:
 * no faster on 2 cores (replay is CPU-bound there).
 */
export async function replayHistories(
  histories: Iterable<Named> | AsyncIterable<Named>,
  onProgress?: (done: number) => void,
): Promise<ReplayOutcome[]> {
  // the worker package and the bundler (~1 s of CPU) only when replaying: the
  // other audit commands, and `duban audit --help`, start without them
  const { Worker } = await import('@temporalio/worker');
  const { currentWorkflowBundle } = await import('../../worker/workflow-bundle.ts');
  installQuietRuntime();
  const workflowBundle = await currentWorkflowBundle();
  const outcomes: ReplayOutcome[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle }, histories as AsyncIterable<Named>)) {
    const [workflowId = r.workflowId, runId = ''] = r.workflowId.split('#');
    outcomes.push({ workflowId, runId, ok: !r.error, error: r.error?.message });
    onProgress?.(outcomes.length);
  }
  return outcomes;
}

/** Fetches every run of each workflow, FETCH_LANES at a time, yielding them in the order given. */
async function* fetchAll(client: Client, workflowIds: string[]): AsyncGenerator<Run[]> {
  const pending = new Map<number, Promise<Run[]>>();
  let next = 0;
  const fill = () => {
    while (next < workflowIds.length && pending.size < FETCH_LANES) {
      const i = next++;
      const p = fetchRuns(client, workflowIds[i]!);
      p.catch(() => undefined); // awaited below in order; no unhandled rejection meanwhile
      pending.set(i, p);
    }
  };
  for (let i = 0; i < workflowIds.length; i++) {
    fill();
    const runs = await pending.get(i)!;
    pending.delete(i);
    yield runs;
  }
}

/** Replays runs already named (`duban audit replay --all` lists them): one history fetch each, FETCH_LANES at a time. */
export async function replayRuns(
  client: Client,
  runs: { workflowId: string; runId: string }[],
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayOutcome[]> {
  const pending = new Map<number, Promise<History>>();
  let next = 0;
  const fetch = (i: number) => {
    const { workflowId, runId } = runs[i]!;
    const p = client.workflow.getHandle(workflowId, runId).fetchHistory() as Promise<History>;
    p.catch(() => undefined); // awaited in order below
    pending.set(i, p);
  };
  async function* histories() {
    for (let i = 0; i < runs.length; i++) {
      while (next < runs.length && pending.size < FETCH_LANES) fetch(next++);
      const history = await pending.get(i)!;
      pending.delete(i);
      yield { workflowId: `${runs[i]!.workflowId}#${runs[i]!.runId}`, history };
    }
  }
  return replayHistories(histories(), (done) => onProgress?.(done, runs.length));
}

export async function replayWorkflows(
  client: Client,
  workflowIds: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayOutcome[]> {
  let workflowsDone = 0;
  async function* histories() {
    for await (const runs of fetchAll(client, workflowIds)) {
      for (const run of runs) yield { workflowId: `${run.workflowId}#${run.runId}`, history: run.history };
      onProgress?.(++workflowsDone, workflowIds.length);
    }
  }
  return replayHistories(histories());
}

// Starting a task set: one workflow per task, id duban/<taskSetId>/<序号>.
// A workflow id that already exists (running or finished) is refused by the
// server and counted as "already started", so running it twice starts nothing
// new. Used by `duban start` and by `duban up` on first run.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { searchAttributes as keys } from '../../workflows/search-attributes.ts';
import type { PrismaClient } from '../../lib/db.ts';
import type { Config } from '../../lib/config.ts';
import { inParallel } from '../../lib/parallel.ts';
import { buildTaskInputs, type BuildOptions, type TaskStart } from './task-inputs.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';

export interface StartResult {
  taskSetId: string;
  tasks: number;
  started: number;
  alreadyStarted: number;
  workflowIds: string[];
}

export function searchAttributesFor(t: TaskStart): SearchAttributePair[] {
  return [
    { key: keys.taskSet, value: t.input.taskSetId },
    { key: keys.year, value: t.input.year },
    { key: keys.leadUnits, value: t.leadUnits },
    { key: keys.light, value: 'green' },
    { key: keys.status, value: '进行中' },
    { key: keys.category, value: t.input.category },
  ];
}

export interface StartOptions extends BuildOptions {
  /** parallel start calls (default 32) */
  concurrency?: number;
  taskQueue?: string;
}

/** Starts every task of the set that has no workflow yet; `onProgress(done, total)` after each. */
export async function startTaskSet(
  client: Client,
  prisma: PrismaClient,
  taskSetId: string,
  config: Pick<Config, 'temporal'>,
  onProgress?: (done: number, total: number) => void,
  options: StartOptions = {},
): Promise<StartResult> {
  const starts = await buildTaskInputs(prisma, taskSetId, options);
  const started: string[] = [];
  let already = 0;
  let done = 0;
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  const withAttributes = options.searchAttributes !== false;
  const one = async (t: TaskStart) => {
    try {
      await client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
        taskQueue,
        workflowId: t.workflowId,
        args: [t.input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        ...(withAttributes ? { typedSearchAttributes: searchAttributesFor(t) } : {}),
      });
      started.push(t.workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      already++;
    }
    onProgress?.(++done, starts.length);
  };
  await inParallel(starts, options.concurrency ?? 32, one);
  if (started.length) {
    // The workflow projects its own state soon after; this makes `duban status` right at once.
    await prisma.task.updateMany({
      where: { workflowId: { in: started }, state: '未启动' },
      data: { state: '进行中' },
    });
  }
  await prisma.taskSet.updateMany({
    where: { id: taskSetId, startedAt: null },
    data: { startedAt: new Date() },
  });
  return {
    taskSetId,
    tasks: starts.length,
    started: started.length,
    alreadyStarted: already,
    workflowIds: starts.map((s) => s.workflowId),
  };
}

// The Duban worker: the task workflow and its activities on one task queue.
// `duban worker`, `duban up`, simulate and the tests all build it here.
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  Worker,
  type NativeConnection,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { TaskActivities } from '../activities/apply-effects.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundle the workflow code once (a few seconds) and hand it to several workers or replays. */
export function bundleWorkflows(logger: BundleLogger = quietLogger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger });
}

/** Where webpack's messages go; by default only its warnings and errors, on stderr. */
export type BundleLogger = NonNullable<Parameters<typeof bundleWorkflowCode>[0]['logger']>;

const quietLogger: BundleLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

export interface WorkerOptions {
  connection: NativeConnection;
  taskQueue: string;
  namespace?: string;
  activities: TaskActivities;
  /** workflows kept in memory between tasks; default 500 (the SDK's default grows with the heap) */
  maxCachedWorkflows?: number;
  /** a bundle made earlier (bundleWorkflows(), or a prebuilt file's { codePath }); default: bundle workflows/index.ts now */
  workflowBundle?: WorkflowBundleOption;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities: options.activities,
    maxCachedWorkflows: options.maxCachedWorkflows ?? 500,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
  });
}

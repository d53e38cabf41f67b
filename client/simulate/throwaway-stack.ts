// One throw-away stack for `duban simulate` and the workflow tests
// (test/workflow/harness.ts): Temporal's time-skipping test server, a
// database (passed in, or PGlite in memory), its migrations, the workflow
// bundle, the real activities with mail into nodemailer's JSON transport
// (sendOnce and SentMail as in production, nothing leaves the process), one
// worker on its own task queue, and the clock. The server's clock starts
// today; the workflows run a past year through clockOffsetMs, so the stack
// keeps an offset: server time + offset = the workflows' clock.
import nodemailer from 'nodemailer';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker, WorkflowBundleOption } from '@temporalio/worker';
import { openInMemory, type Database } from '../../lib/db.ts';
import type { Config } from '../../lib/config.ts';
import { requireTool, temporalTestServer } from '../../lib/tools.ts';
import { applyMigrations } from '../../prisma/migrate.ts';
import { createActivities, type TaskActivities } from '../../activities/index.ts';
import { createWorker } from '../../worker/worker.ts';
import { currentWorkflowBundle } from '../../worker/workflow-bundle.ts';
import { buildTaskInputs, type BuildOptions, type TaskStart } from '../start/task-inputs.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';

export interface ThrowawayStackOptions {
  config: Config;
  taskQueue: string;
  /** where the workflows' clock stands when the stack is ready */
  clockStartsAt: number;
  /**
   * The database, still opening (opened alongside the server and the bundle);
   * it stays the caller's to close. Default: PGlite in memory, closed with the stack.
   */
  database?: Promise<Database>;
  /** default: the prebuilt bundle of the current sources, else one made now */
  workflowBundle?: Promise<WorkflowBundleOption>;
  maxCachedWorkflows?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * Replaces the real activities (the benchmark's baseline: the same workflows
   * with activities that do nothing); still counted and timed.
   */
  activities?: TaskActivities;
  /** one call as each of the three slow parts is ready (database, server, bundle) */
  onPartReady?: () => void;
}

export interface StartedTask extends TaskStart {
  handle: WorkflowHandle<typeof taskWorkflow>;
}

export interface ThrowawayStack {
  env: TestWorkflowEnvironment;
  db: Database;
  /** the running worker (replaced by restartWorker) */
  readonly worker: Worker;
  taskQueue: string;
  /** server time + offset = the workflows' clock */
  offset: number;
  /** activity calls (applyEffects and sendMail) and the milliseconds spent in them (database and mail) */
  activity: { calls: number; ms: number };
  /** the workflows' clock now */
  clock(): Promise<number>;
  /** moves the clock forward to `at` (timers fire on the way); never back */
  advanceTo(at: number): Promise<void>;
  /** the clock reads `at` from now on (a new test) */
  setClock(at: number): Promise<void>;
  /** starts one workflow per task of the set (or of options.seqs), one after the other */
  start(
    taskSetId: string,
    options?: BuildOptions & { onStarted?: (task: StartedTask) => void },
  ): Promise<StartedTask[]>;
  /** a fresh worker on the same queue, the old one shut down: a restart in the middle */
  restartWorker(): Promise<void>;
  /** stops the worker and the server, and closes the database if the stack opened it */
  close(): Promise<void>;
}

/**
 * The SDK gives a Temporal server 5 s to start; on a busy 2-core machine that
 * can run out, so a failed start is tried again (three times in all).
 */
export async function withStartRetries<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** Temporal's time-skipping test server: the binary scripts/setup.sh installed, never a download. */
export function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return withStartRetries(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: requireTool(temporalTestServer) } },
    }),
  );
}

export async function createThrowawayStack(options: ThrowawayStackOptions): Promise<ThrowawayStack> {
  const ready = <T>(part: Promise<T>) => part.then((value) => (options.onPartReady?.(), value));
  const ownsDatabase = !options.database;
  const parts = await Promise.allSettled([
    ready(
      (options.database ?? openInMemory()).then(async (database) => {
        await applyMigrations(database.sql);
        return database;
      }),
    ),
    ready(startTimeSkippingServer()),
    ready(options.workflowBundle ?? currentWorkflowBundle()),
  ]);
  const [dbPart, envPart, bundlePart] = parts;
  // What did start is stopped again when another part failed, so nothing outlives the failure.
  const undo = async () => {
    if (envPart.status === 'fulfilled') await envPart.value.teardown().catch(() => undefined);
    if (ownsDatabase && dbPart.status === 'fulfilled') await dbPart.value.close().catch(() => undefined);
  };
  const failed = parts.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) {
    await undo();
    throw failed.reason;
  }
  const db = (dbPart as PromiseFulfilledResult<Database>).value;
  const env = (envPart as PromiseFulfilledResult<TestWorkflowEnvironment>).value;
  const bundle = (bundlePart as PromiseFulfilledResult<WorkflowBundleOption>).value;

  const real =
    options.activities ??
    createActivities({
      prisma: db.prisma,
      transport: nodemailer.createTransport({ jsonTransport: true }),
      config: options.config,
    });
  // Timed, so simulate can say how much of the wall time the database and mail took.
  const activity = { calls: 0, ms: 0 };
  const timed =
    <A, R>(run: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R> => {
      const started = performance.now();
      try {
        return await run(arg);
      } finally {
        activity.calls++;
        activity.ms += performance.now() - started;
      }
    };
  const activities: TaskActivities = {
    applyEffects: timed(real.applyEffects),
    sendMail: timed(real.sendMail),
  };
  const newWorker = () =>
    createWorker({
      connection: env.nativeConnection,
      taskQueue: options.taskQueue,
      activities,
      workflowBundle: bundle,
      maxCachedWorkflows: options.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    });
  let worker: Worker;
  try {
    worker = await newWorker();
  } catch (err) {
    await undo();
    throw err;
  }
  let running = worker.run();

  const stack: ThrowawayStack = {
    env,
    db,
    get worker() {
      return worker;
    },
    taskQueue: options.taskQueue,
    offset: options.clockStartsAt - (await env.currentTimeMs()),
    activity,
    clock: async () => (await env.currentTimeMs()) + stack.offset,
    async advanceTo(at) {
      const now = await stack.clock();
      if (at > now) await env.sleep(at - now);
    },
    async setClock(at) {
      stack.offset = at - (await env.currentTimeMs());
    },
    async start(taskSetId, { onStarted, ...build } = {}) {
      const starts = await buildTaskInputs(db.prisma, taskSetId, {
        clockOffsetMs: stack.offset,
        searchAttributes: false,
        ...build,
      });
      const started: StartedTask[] = [];
      for (const start of starts) {
        const handle = await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: start.workflowId,
          args: [start.input],
        });
        const task = { ...start, handle };
        started.push(task);
        onStarted?.(task);
      }
      return started;
    },
    async restartWorker() {
      worker.shutdown();
      await running;
      worker = await newWorker();
      running = worker.run();
    },
    async close() {
      try {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      } finally {
        await env.teardown().catch(() => undefined);
        if (ownsDatabase) await db.close().catch(() => undefined);
      }
    },
  };
  return stack;
}

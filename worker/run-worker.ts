// The Duban worker process, as `duban up` and `duban worker` run it: the mail
// transport, the activities with their dependencies, the native connection,
// the worker on its task queue, and intake (worker/intake.ts: the replies,
// from IMAP_URL or the embedded catcher, to their workflows). stop() drains
// and closes in order.
//
// The workflow code comes prebuilt (worker/workflow-bundle.ts) when a bundle
// of the current workflows/ sources exists; otherwise it is bundled now and
// one line says so. The cache and activity limits are configuration
// (WORKER_MAX_CACHED_WORKFLOWS, WORKER_MAX_CONCURRENT_ACTIVITIES).
import type { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { Database } from '../lib/db.ts';
import { createTransport } from '../lib/mail/transport.ts';
import { createActivities } from '../activities/index.ts';
import { createWorker } from './worker.ts';
import { workflowBundleForWorker } from './workflow-bundle.ts';
import { connectClient, connectWorker } from '../lib/temporal.ts';
import { startIntake, type Intake } from './intake.ts';
import type { Config } from '../lib/config.ts';

export interface RunningWorker {
  worker: Worker;
  /** settles when the worker stops */
  done: Promise<void>;
  /** whether it runs the prebuilt workflow bundle (false: bundled at start) */
  prebuiltBundle: boolean;
  /** the replies' intake (nudge it when a message was stored) */
  intake: Intake;
  stop(): Promise<void>;
}

export interface RunWorkerOptions {
  /** where the one line about bundling at start, and intake's failures, go; default stderr */
  notice?: (line: string) => void;
  /** the Temporal client intake signals with (default: one of its own) */
  client?: Client;
  /** the embedded SMTP catcher stores replies for intake (duban up) */
  catcher?: boolean;
}

export async function runWorker(
  config: Config,
  db: Database,
  options: RunWorkerOptions = {},
): Promise<RunningWorker> {
  const notice = options.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const transport = createTransport(config);
  const connection = await connectWorker(config);
  let ownClient: Client | undefined;
  try {
    const { bundle, prebuilt } = await workflowBundleForWorker(notice);
    const activities = createActivities({
      prisma: db.prisma,
      config,
      transport,
    });
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      workflowBundle: bundle,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    });
    const client = options.client ?? (ownClient = await connectClient(config));
    const done = worker.run();
    const intake = startIntake(config, db, client, { catcher: options.catcher, notice });
    // once, whoever asks first (a signal, the command when the worker ends)
    let stopping: Promise<void> | undefined;
    return {
      worker,
      done,
      prebuiltBundle: prebuilt,
      intake,
      stop() {
        stopping ??= (async () => {
          await intake.stop();
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await done.catch(() => undefined);
          await connection.close();
          await ownClient?.connection.close();
          transport.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await connection.close();
    await ownClient?.connection.close();
    transport.close();
    throw err;
  }
}

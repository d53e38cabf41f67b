// The Duban worker process, as `duban up` and `duban worker` run it: the mail
// transport, the activities with their dependencies, the native connection
// and the worker on its task queue. stop() drains and closes in order.
import type { Worker } from '@temporalio/worker';
import type { Database } from '../lib/db.ts';
import { createTransport } from '../lib/mail/transport.ts';
import { createActivities } from '../activities/index.ts';
import { createWorker } from './worker.ts';
import { connectWorker } from '../lib/temporal.ts';
import type { Config } from '../lib/config.ts';

export interface RunningWorker {
  worker: Worker;
  /** settles when the worker stops */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function runWorker(config: Config, db: Database): Promise<RunningWorker> {
  const transport = createTransport(config);
  const connection = await connectWorker(config);
  try {
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
    });
    const done = worker.run();
    return {
      worker,
      done,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => undefined);
        await connection.close();
        transport.close();
      },
    };
  } catch (err) {
    await connection.close();
    transport.close();
    throw err;
  }
}

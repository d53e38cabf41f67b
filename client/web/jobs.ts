// Long work started from the desk (reading a table, applying it, starting a
// set's workflows) runs in the background; its WebJob row holds the progress
// the page's <progress> bar shows (the page reloads itself while it runs) and,
// at the end, the result or a Chinese reason. A job is the web process's own:
// one left "running" by a process that stopped is marked failed at the next start.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../lib/db.ts';
import { kindOf, messageOf } from '../../lib/errors.ts';

export type JobKind = 'import' | 'apply' | 'start';

export type Progress = (done: number, total: number) => void;

export interface JobRunner {
  start(
    kind: JobKind,
    actor: string,
    refs: { uploadId?: string; taskSetId?: string },
    work: (progress: Progress) => Promise<object>,
  ): Promise<string>;
  /** waits for running jobs (closing the server) */
  drain(): Promise<void>;
}

export async function createJobRunner(prisma: PrismaClient): Promise<JobRunner> {
  await prisma.webJob.updateMany({
    where: { status: 'running' },
    data: { status: 'failed', error: '网页服务在此任务完成前停止了；请重新操作（导入与启动都可安全重复）。' },
  });
  const running = new Set<Promise<void>>();
  return {
    async start(kind, actor, refs, work) {
      const id = randomUUID();
      await prisma.webJob.create({ data: { id, kind, actor, ...refs } });
      let last = 0;
      let pending: Promise<unknown> = Promise.resolve();
      const progress: Progress = (done, total) => {
        const now = Date.now();
        // a bar needs a few updates a second, not one write per row
        if (now - last < 250 && done < total) return;
        last = now;
        pending = pending.then(() =>
          prisma.webJob.update({ where: { id }, data: { done, total } }).catch(() => undefined),
        );
      };
      const run = (async () => {
        try {
          const result = await work(progress);
          await pending;
          await prisma.webJob.update({
            where: { id },
            data: { status: 'done', result: result as object },
          });
        } catch (err) {
          if (!kindOf(err))
            process.stderr.write(`网页任务 ${kind} ${id} 失败：${(err as Error)?.stack ?? String(err)}\n`);
          await pending;
          await prisma.webJob
            .update({
              where: { id },
              data: {
                status: 'failed',
                error: kindOf(err)
                  ? messageOf(err)
                  : '任务因内部错误中止；请稍后重试，问题持续时请联系管理员。',
              },
            })
            .catch(() => undefined);
        }
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
      return id;
    },
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}

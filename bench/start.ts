// Benchmark (b) city, start: the rate of startTaskSet (`duban start`) on a
// synthetic N-task set against bare `client.workflow.start` of an empty
// workflow, in one run on the same Temporal dev server (in memory, no worker
// polling, same concurrency). Ratio = Duban's starts/s ÷ bare starts/s: what
// building inputs from the database, the search attributes and the workflow
// input cost on top of a start. Bare starts run half before and half after
// startTaskSet, so neither side gets the emptier server.
//   node --import tsx bench/start.ts [--tasks 5000] [--concurrency 32]   → JSON on stdout
import { parseArgs } from 'node:util';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { startTaskSet } from '../client/start/start-task-set.ts';
import { loadConfig } from '../lib/config.ts';
import { benchmarkMain, progress, rate, ratio, round, type BenchResult } from './lib.ts';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '32' } },
});
const N = Number(values.tasks);
const lanes = Number(values.concurrency);
const say = progress('start');

async function main(): Promise<BenchResult> {
  const [env, db] = await Promise.all([localDevEnv(), createTestDatabase('duban_bench')]);
  try {
    const taskSetId = 'bench-start';
    await db.prisma.taskSet.create({
      data: { id: taskSetId, name: '压测任务集', year: 2022, sourceFile: 'bench', sourceHash: 'bench' },
    });
    const units = Array.from({ length: 60 }, (_, i) => ({
      taskSetId,
      code: `U${i}`,
      name: `单位${i}`,
      emails: [`u${i}@units.test`],
      leaderEmails: [`leader-u${i}@units.test`],
    }));
    await db.prisma.unit.createMany({ data: units });
    const unitIds = (await db.prisma.unit.findMany({ where: { taskSetId }, orderBy: { id: 'asc' } })).map(
      (u) => u.id,
    );
    await db.prisma.task.createMany({
      data: Array.from({ length: N }, (_, i) => ({
        taskSetId,
        seq: String(i + 1),
        category: i < 50 ? '预期目标' : '重点工作',
        text: `压测任务 ${i + 1}：推进重点项目建设，完成年度投资目标`,
        deadline: new Date('2022-12-31T00:00:00Z'),
        workflowId: `duban/${taskSetId}/${i + 1}`,
      })),
    });
    const tasks = await db.prisma.task.findMany({
      where: { taskSetId },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    await db.prisma.assignment.createMany({
      data: tasks.flatMap((t, i) => [
        { taskId: t.id, unitId: unitIds[i % unitIds.length]!, role: 'lead' },
        { taskId: t.id, unitId: unitIds[(i + 7) % unitIds.length]!, role: 'co' },
      ]),
    });

    const bare = async (from: number, to: number) => {
      const t = performance.now();
      let next = from;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < to) {
            const i = next++;
            say('裸启动', i - from + 1, to - from);
            await env.client.workflow.start('emptyWorkflow', {
              taskQueue: 'bench-no-worker',
              workflowId: `bare/${i}`,
              args: [],
            });
          }
        }),
      );
      return performance.now() - t;
    };

    const config = loadConfig({
      TOKEN_SECRET: 'b'.repeat(40),
      DUBAN_HOME: '/tmp/duban-bench-home',
      TEMPORAL_TASK_QUEUE: 'bench-no-worker',
    });
    const half = Math.floor(N / 2);
    const bareBefore = await bare(0, half);
    let t0 = performance.now();
    say(`duban start：${N} 项任务`);
    const r = await startTaskSet(env.client, db.prisma, taskSetId, config, undefined, { concurrency: lanes });
    const startMs = performance.now() - t0;
    if (r.started !== N) throw new Error(`started ${r.started} of ${N}`);
    const bareMs = bareBefore + (await bare(half, N));

    t0 = performance.now();
    const again = await startTaskSet(env.client, db.prisma, taskSetId, config, undefined, {
      concurrency: lanes,
    });
    const againMs = performance.now() - t0;

    const duban = rate(N, startMs);
    const bareRate = rate(N, bareMs);
    return {
      benchmark: 'start',
      seconds: 0,
      figures: [
        {
          id: 'start',
          figure: `duban start：${N} 项任务的工作流启动`,
          unit: 'starts/s',
          duban,
          baseline: bareRate,
          ratio: ratio(duban, bareRate),
          goal: '≥0.9',
          met: ratio(duban, bareRate) >= 0.9,
          detail: {
            tasks: N,
            concurrency: lanes,
            dubanSeconds: round(startMs / 1000, 1),
            bareSeconds: round(bareMs / 1000, 1),
            rerunSeconds: round(againMs / 1000, 1),
            rerunStarted: again.started,
            rerunAlreadyStarted: again.alreadyStarted,
          },
        },
      ],
    };
  } finally {
    await Promise.all([env.teardown(), db.drop()]);
  }
}

benchmarkMain(import.meta.url, main);

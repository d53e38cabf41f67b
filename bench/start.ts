// Benchmark: the rate of startTaskSet (`duban start`) on a synthetic
// 5,000-task set against bare starts of an empty workflow, in one run on the
// same Temporal dev server (in memory, no worker polling, same concurrency).
// The ratio is the figure: what building inputs from the database, the
// search attributes and the workflow input cost on top of a start.
// Bare starts run half before and half after startTaskSet, so neither side
// gets the emptier server.
//   node --import tsx bench/start.ts [--tasks 5000]    → JSON on stdout
// The dev server writes its banner to the stdout it inherits, so the
// measuring runs in a child whose stdout goes to stderr; the JSON comes back
// on a pipe and is the only thing on our stdout.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { startTaskSet } from '../client/start/start-task-set.ts';
import { loadConfig } from '../lib/config.ts';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '32' } },
});
const N = Number(values.tasks);
const lanes = Number(values.concurrency);

async function main() {
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
    const r = await startTaskSet(env.client, db.prisma, taskSetId, config, undefined, { concurrency: lanes });
    const startMs = performance.now() - t0;
    if (r.started !== N) throw new Error(`started ${r.started} of ${N}`);
    const bareMs = bareBefore + (await bare(half, N));

    t0 = performance.now();
    const again = await startTaskSet(env.client, db.prisma, taskSetId, config, undefined, {
      concurrency: lanes,
    });
    const againMs = performance.now() - t0;

    const rate = (ms: number) => Math.round((N / ms) * 1000);
    writeSync(
      3,
      JSON.stringify(
        {
          benchmark: 'start',
          tasks: N,
          concurrency: lanes,
          startTaskSet: { ms: Math.round(startMs), perSecond: rate(startMs) },
          bareStarts: { ms: Math.round(bareMs), perSecond: rate(bareMs) },
          ratio: Number((startMs / bareMs).toFixed(2)),
          rerun: { ms: Math.round(againMs), started: again.started, alreadyStarted: again.alreadyStarted },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await Promise.all([env.teardown(), db.drop()]);
  }
}

if (process.env.DUBAN_BENCH_CHILD) {
  main().catch((err) => {
    process.stderr.write(`失败：${(err as Error).stack}\n`);
    process.exit(1);
  });
} else {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ['ignore', 2, 2, 'pipe'],
      env: { ...process.env, DUBAN_BENCH_CHILD: '1' },
    },
  );
  let out = '';
  child.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('close', (code) => {
    process.stdout.write(out);
    process.exitCode = code ?? 1;
  });
}

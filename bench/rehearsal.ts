// Benchmarks (a) rehearsal and (d) replay, in one child:
//  (a) the 141-task 沙坪坝 2022 year with on-time replies (`simulateYear`, what
//      `duban simulate` runs) against the same year, the same workflows and
//      replies, with activities that do nothing, on the same kind of
//      time-skipping server: tasks per second of wall time, each.
//  (d) while the rehearsed year's server is still up: `replayWorkflows` (what
//      `duban audit replay --all` runs: fetch every run's history, bundle the
//      workflows, replay) against a bare Worker.runReplayHistories of the same
//      histories, fetched beforehand, with a bundle made beforehand.
//   node --import tsx bench/rehearsal.ts [--replies on-time|empty]   → JSON on stdout
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { simulateYear, type SimulateResult } from '../client/simulate/simulate.ts';
import { replayWorkflows } from '../client/audit/replay.ts';
import { fetchRuns } from '../client/audit/history.ts';
import { currentWorkflowBundle } from '../worker/workflow-bundle.ts';
import { benchmarkMain, progress, rate, ratio, round, type Figure } from './lib.ts';

const { values } = parseArgs({
  options: {
    replies: { type: 'string', default: 'on-time' },
    // pg: `duban simulate --pg` (a throw-away database on the machine's PostgreSQL); pglite: the default in memory
    db: { type: 'string', default: 'pg' },
  },
});
const pgUrl =
  values.db === 'pg'
    ? (process.env.DUBAN_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres')
    : undefined;

benchmarkMain(import.meta.url, async () => {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) },
    },
  });
  const say = progress('rehearsal');
  const year = (noop: boolean, onDone?: Parameters<typeof simulateYear>[0]['onDone']) => {
    let phase = '';
    let done = 0;
    let total = 0;
    return simulateYear({
      tasksFile: 'data/sample/shapingba-2022/tasks.csv',
      unitsFile: 'data/sample/shapingba-2022/units.csv',
      year: 2022,
      repliesFile: `data/sample/replies/${values.replies}.jsonl`,
      noopActivities: noop,
      ...(pgUrl ? { pgUrl } : {}),
      onPhase: (label, n) => {
        phase = `${noop ? '基线（空活动）' : 'Duban'}：${label}`;
        done = 0;
        total = n;
        say(phase, 0, total);
      },
      onTick: (n = 1) => say(phase, (done += n), total),
      ...(onDone ? { onDone } : {}),
    });
  };

  let replay: Figure | undefined;
  const real: SimulateResult = await year(false, async (db, taskSetId, client) => {
    const ids = (await db.prisma.task.findMany({ where: { taskSetId }, select: { workflowId: true } })).map(
      (t) => t.workflowId,
    );
    say(`回放（duban audit replay --all 的做法）${ids.length} 个工作流`);
    const t0 = performance.now();
    const outcomes = await replayWorkflows(client, ids);
    const dubanMs = performance.now() - t0;
    const failed = outcomes.filter((o) => !o.ok).length;

    say('回放基线（预取历史、预建包，裸 runReplayHistories）');
    const histories = [];
    for (const id of ids)
      for (const run of await fetchRuns(client, id))
        histories.push({ workflowId: `${run.workflowId}#${run.runId}`, history: run.history });
    const workflowBundle = await currentWorkflowBundle();
    const t1 = performance.now();
    let bareFailed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle }, histories)) if (r.error) bareFailed++;
    const bareMs = performance.now() - t1;
    const events = histories.reduce((n, h) => n + (h.history.events?.length ?? 0), 0);
    const dubanRate = rate(outcomes.length, dubanMs);
    replay = {
      id: 'replay',
      figure: '回放排练年度全部历史（duban audit replay --all）',
      unit: 'histories/s',
      duban: dubanRate,
      baseline: rate(histories.length, bareMs),
      ratio: ratio(dubanRate, rate(histories.length, bareMs)),
      goal: '≥100/s',
      met: dubanRate >= 100 && failed === 0,
      detail: {
        histories: outcomes.length,
        eventsPerHistory: round(events / Math.max(1, histories.length), 1),
        dubanSeconds: round(dubanMs / 1000, 2),
        bareSeconds: round(bareMs / 1000, 2),
        failed,
        bareFailed,
      },
    };
  });
  const noop = await year(true);

  const dubanRate = rate(real.tasks, real.wallMs);
  const baseRate = rate(noop.tasks, noop.wallMs);
  const r = ratio(dubanRate, baseRate);
  const rehearsal: Figure = {
    id: 'rehearsal',
    figure: `${real.tasks} 项任务的排练年度（${values.replies} 回复）`,
    unit: 'tasks/s',
    duban: dubanRate,
    baseline: baseRate,
    ratio: r,
    goal: '≤40 s 且 ≥0.5',
    met: real.wallMs <= 40_000 && r >= 0.5,
    detail: {
      database: values.db,
      wallSeconds: round(real.wallMs / 1000),
      baselineWallSeconds: round(noop.wallMs / 1000),
      mails: real.mails,
      activityCalls: real.activity.calls,
      activitySeconds: round(real.activity.ms / 1000),
      msPerActivity: round(real.activity.ms / Math.max(1, real.activity.calls)),
      verdicts: real.verdicts,
    },
  };
  return { benchmark: 'rehearsal', seconds: 0, figures: replay ? [rehearsal, replay] : [rehearsal] };
});

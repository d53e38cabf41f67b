// Benchmarks (b) city fan-out and worker memory, and (e) one vs two workers:
// a synthetic N-task set (CSV in a temporary folder) imported into a fresh
// PostgreSQL database and started on a Temporal dev server (in memory) while
// no worker polls, its workflows' clock set to a working morning (Tuesday
// 1 March 2022, 10:00) so every task's 交办 notice — the year's first mail
// fan-out — is due at once. Then W real `duban worker` processes (the CLI, the
// machine's PostgreSQL, an SMTP sink) start on the task queue, and the clock
// runs from the first worker's start line until the sink holds one notice per
// lead unit of every task.
//   Duban: notices per second, through the workflows, the activities, the
//          SentMail check and the pooled transport of the worker(s);
//   baseline: the same raw messages, sent again by one bare pooled nodemailer
//          transport to a fresh sink (8 in flight, 3 connections).
// Duplicates: Message-IDs the sink saw more than once (0 is the goal), and
// SentMail rows against messages. Memory: the worker processes' peak
// resident set (VmHWM) with N open task workflows, under the cache and
// concurrency settings printed with it and the V8 heap flags the README
// gives for `duban worker` (WORKER_NODE_OPTIONS below; --node-options ''
// measures without them).
//   node --import tsx bench/city.ts [--tasks 5000] [--workers 1,2] [--cache 500] [--activities 20]
//        [--node-options '--max-old-space-size=384 --max-semi-space-size=4']
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { startSmtpSink, type SunkMail } from '../test/helpers/smtp-sink.ts';
import { writeSyntheticTables } from '../test/fixtures/import/synthetic.ts';
import { importTables } from '../client/import/index.ts';
import { startTaskSet } from '../client/start/start-task-set.ts';
import { loadConfig } from '../lib/config.ts';
import { atChinaTime } from '../workflows/calendar.ts';
import {
  startDubanWorkers,
  WORKER_NODE_OPTIONS,
  type DubanWorkers,
  type WorkerMemory,
} from './duban-workers.ts';
import { benchmarkMain, progress, rate, ratio, round, type BenchResult, type Figure } from './lib.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '1,2' },
    cache: { type: 'string', default: '500' },
    activities: { type: 'string', default: '20' },
    'node-options': { type: 'string', default: WORKER_NODE_OPTIONS },
  },
});
const N = Number(values.tasks);
const say = progress('city');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  workers: number;
  notices: number;
  seconds: number;
  perSecond: number;
  duplicates: number;
  sentMailRows: number;
  sunk: SunkMail[];
  memory: WorkerMemory[];
}

async function round1(count: number, files: { tasksFile: string; unitsFile: string }): Promise<Round> {
  const home = mkdtempSync(path.join(tmpdir(), 'duban-bench-city-'));
  const [env, db, sink] = await Promise.all([
    localDevEnv(),
    createTestDatabase('duban_bench'),
    startSmtpSink(),
  ]);
  let workers: DubanWorkers | undefined;
  try {
    say(`${count} 个 worker：导入 ${N} 项任务`);
    const imported = await importTables(db, { ...files, year: 2022, name: 'bench-city', id: '2022-city' });
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
    const vars = {
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'bench-city',
      SMTP_URL: sink.url,
      TOKEN_SECRET: 'c'.repeat(40),
      WORKER_MAX_CACHED_WORKFLOWS: values.cache!,
      WORKER_MAX_CONCURRENT_ACTIVITIES: values.activities!,
    };
    const config = loadConfig(vars);
    const offset = atChinaTime('2022-03-01', '10:00') - Date.now();
    const started = await startTaskSet(
      env.client,
      db.prisma,
      imported.taskSetId,
      config,
      (done, total) => say(`${count} 个 worker：启动工作流（尚无 worker）`, done, total),
      { clockOffsetMs: offset, concurrency: 32 },
    );
    if (started.started !== N) throw new Error(`started ${started.started} of ${N}`);
    const expected = await db.prisma.assignment.count({
      where: { role: 'lead', active: true, task: { taskSetId: imported.taskSetId } },
    });

    workers = startDubanWorkers(count, vars, values['node-options']);
    const deadline = Date.now() + 30 * 60_000;
    while (sink.messages.length < expected) {
      workers.check();
      if (Date.now() > deadline) throw new Error(`30 分钟内只收到 ${sink.messages.length}/${expected} 封`);
      say(`${count} 个 worker：交办通知送达 SMTP`, sink.messages.length, expected);
      workers.sample();
      await sleep(250);
    }
    const ms = performance.now() - workers.startedAt();
    say(`${count} 个 worker：交办通知送达 SMTP`, sink.messages.length, expected);
    // anything sent twice arrives late: wait a little, then count
    await sleep(3000);
    workers.sample();
    const ids = sink.messages.map((m) => m.messageId);
    const duplicates = ids.length - new Set(ids).size;
    const sentMailRows = await db.prisma.sentMail.count({ where: { kind: 'notice' } });
    return {
      workers: count,
      notices: expected,
      seconds: round(ms / 1000, 1),
      perSecond: rate(expected, ms),
      duplicates,
      sentMailRows,
      sunk: [...sink.messages],
      memory: workers.memory,
    };
  } finally {
    await workers?.stop();
    await Promise.allSettled([env.teardown(), db.drop(), sink.close()]);
    rmSync(home, { recursive: true, force: true });
  }
}

/** The same raw messages, again, through one bare pooled nodemailer transport. */
async function bareSends(messages: SunkMail[]): Promise<number> {
  const sink = await startSmtpSink();
  const bare = nodemailer.createTransport({
    pool: true,
    maxConnections: 3,
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < messages.length) {
          const m = messages[next++]!;
          await bare.sendMail({ envelope: { from: m.from, to: m.to }, raw: m.raw });
          say('基线：裸 nodemailer 连接池发送', next, messages.length);
        }
      }),
    );
    await sink.waitFor(messages.length, 120_000);
    return performance.now() - t0;
  } finally {
    bare.close();
    await sink.close();
  }
}

benchmarkMain(import.meta.url, async (): Promise<BenchResult> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-bench-city-csv-'));
  try {
    const files = await writeSyntheticTables(dir, N);
    const counts = values.workers!.split(',').map(Number);
    const rounds: Round[] = [];
    for (const w of counts) rounds.push(await round1(w, files));
    const one = rounds[0]!;
    const bareMs = await bareSends(one.sunk);
    const bare = rate(one.sunk.length, bareMs);
    const settings = {
      WORKER_MAX_CACHED_WORKFLOWS: Number(values.cache),
      WORKER_MAX_CONCURRENT_ACTIVITIES: Number(values.activities),
      NODE_OPTIONS: values['node-options'] || null,
    };
    const figures: Figure[] = [
      {
        id: 'fanout',
        figure: `交办通知群发：${N} 项任务，${one.notices} 封（${one.workers} 个 worker）`,
        unit: 'mails/s',
        duban: one.perSecond,
        baseline: bare,
        ratio: ratio(one.perSecond, bare),
        goal: '≥0.5，0 重复',
        met: ratio(one.perSecond, bare) >= 0.5 && one.duplicates === 0 && one.sentMailRows === one.notices,
        detail: {
          seconds: one.seconds,
          bareSeconds: round(bareMs / 1000, 1),
          duplicates: one.duplicates,
          sentMailRows: one.sentMailRows,
        },
      },
      {
        id: 'rss',
        figure: `worker 常驻内存峰值：${N} 个未结工作流`,
        unit: 'MB',
        duban: Math.max(...one.memory.map((m) => m.peakMb)),
        baseline: null,
        ratio: null,
        goal: '≤600 MB',
        met: Math.max(...one.memory.map((m) => m.peakMb)) <= 600,
        detail: { ...settings, rssAtEndMb: one.memory.map((m) => m.rssMb) },
      },
    ];
    for (const r of rounds.slice(1)) {
      figures.push({
        id: `fanout-${r.workers}w`,
        figure: `交办通知群发：${r.workers} 个 worker 对 1 个`,
        unit: 'mails/s',
        duban: r.perSecond,
        baseline: one.perSecond,
        ratio: ratio(r.perSecond, one.perSecond),
        goal: '0 重复',
        met: r.duplicates === 0 && r.sentMailRows === r.notices,
        detail: {
          seconds: r.seconds,
          duplicates: r.duplicates,
          sentMailRows: r.sentMailRows,
          notices: r.notices,
          peakMbPerWorker: r.memory.map((m) => m.peakMb),
          ...settings,
        },
      });
    }
    return { benchmark: 'city', seconds: 0, figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// `duban simulate`: a whole year in minutes, on the throw-away stack
// (throwaway-stack.ts: PGlite in memory, Temporal's time-skipping test server,
// the real task workflow and the real activities, mail into nodemailer's JSON
// transport). The replies file's lines arrive as report SIGNALS at 10:00 on
// their dates (the time-skipping server does not skip time while an update
// waits); units that never reply are reminded and escalated as in real life.
// The steps: prepare the stack, import the tables, start the year's
// workflows, run the year delivering replies, collect the results, tally.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { openEmbedded, type Database } from '../../lib/db.ts';
import { importTables } from '../import/index.ts';
import { loadConfig } from '../../lib/config.ts';
import { atChinaTime, WorkingCalendar } from '../../workflows/calendar.ts';
import { reportSignal } from '../../workflows/messages.ts';
import { planPeriods } from '../../workflows/schedule.ts';
import type { TaskResult } from '../../workflows/state.ts';
import type { MailOutcome, SendMailInput } from '../../workflows/effects.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';
import { VERDICTS, type Period, type ReportInput, type Verdict } from '../../workflows/types.ts';
import { inParallel } from '../../lib/parallel.ts';
import { BadInputError } from '../../lib/errors.ts';
import { readReplies, type Reply, type ReplyError } from './replies.ts';
import { cadenceLabel, settingsFrom } from '../import/settings.ts';
import { createThrowawayStack, type ThrowawayStack } from './throwaway-stack.ts';
import { createThrowawayPostgres } from './throwaway-postgres.ts';

export interface SimulateOptions {
  tasksFile: string;
  unitsFile: string;
  year: number;
  repliesFile?: string;
  /** phase label and how many steps it has; then tick() per step */
  onPhase?: (label: string, total: number) => void;
  onTick?: (n?: number) => void;
  /** keep the temporary folder (database) for inspection */
  keep?: boolean;
  /**
   * A PostgreSQL server (a URL whose role may CREATE DATABASE) to hold the
   * throw-away database instead of PGlite in memory: created, then dropped at the end.
   */
  pgUrl?: string;
  /** the set's reporting cadence, as `duban import --cadence` takes it */
  cadence?: string;
  /** the rehearsed year is over and its database still open (e.g. to write its report) */
  onDone?: (db: Database, taskSetId: string, client: Client) => Promise<void>;
  /** no-op activities instead of the real ones (the rehearsal benchmark's baseline) */
  noopActivities?: boolean;
}

type Counts = Record<Verdict, number>;

export interface SimulateResult {
  tasks: number;
  mails: number;
  reminders: number;
  escalations: number;
  verdicts: Counts;
  byCategory: Record<string, Counts>;
  rows: {
    seq: string;
    category: string;
    task: string;
    leadUnits: string[];
    lastReport: string | null;
    verdict: Verdict | null;
    reason: string | null;
  }[];
  mailsByKind: Record<string, number>;
  /** the set's reporting cadence, as people read it */
  cadence: string;
  /** 序号 → how many periods the task requested (the final report included) */
  requestsPerTask: Record<string, number>;
  /** requests over every task: total, and the fewest and most one task had */
  requests: { total: number; min: number; max: number };
  replies: {
    lines: number;
    accepted: number;
    refused: number;
    refusals: { line: number; task: string; unit: string; reason: string }[];
  };
  warnings: string[];
  /** from the start to the last verdict (not what onDone does afterwards) */
  wallMs: number;
  /** applyEffects calls and the milliseconds spent in them */
  activity: { calls: number; ms: number };
  folder?: string;
  /** with pgUrl: where the throw-away database was (dropped by now) */
  database?: string;
}

/** The replies file, the table or the directory has errors: each one located, nothing simulated. */
export class SimulateInputError extends BadInputError {
  constructor(
    message: string,
    readonly errors: ReplyError[],
  ) {
    super(message, { errors });
  }
}

const DAY = 86_400_000;
const emptyCounts = (): Counts => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Counts;

interface Progress {
  phase(label: string, total: number): void;
  tick(n?: number): void;
}

/** One task of the year: its workflow, and the periods it plans (where a reply belongs). */
interface YearTask {
  seq: string;
  deadline: string;
  handle: WorkflowHandle<typeof taskWorkflow>;
  plan: Period[];
}

type Refusals = SimulateResult['replies']['refusals'];

export async function simulateYear(o: SimulateOptions): Promise<SimulateResult> {
  const started = Date.now();
  const progress: Progress = {
    phase: (label, total) => o.onPhase?.(label, total),
    tick: (n = 1) => o.onTick?.(n),
  };

  const replies = o.repliesFile ? await readReplies(o.repliesFile) : { replies: [], errors: [] };
  if (replies.errors.length)
    throw new SimulateInputError(`回复文件有 ${replies.errors.length} 处错误`, replies.errors);

  const folder = await mkdtemp(path.join(os.tmpdir(), 'duban-simulate-'));
  // --keep: the database in the temporary folder, to look at afterwards (the stack's own is in memory);
  // --pg: a throw-away database on a PostgreSQL server, dropped at the end
  const kept = o.keep
    ? openEmbedded(path.join(folder, 'pgdata'))
    : o.pgUrl
      ? createThrowawayPostgres(o.pgUrl)
      : undefined;
  let stack: ThrowawayStack | undefined;
  try {
    stack = await prepare(folder, o.year, kept, progress, o.noopActivities);
    const { taskSetId, warnings } = await importYear(stack.db, o);
    const tasks = await startYear(stack, taskSetId, o.year, progress);
    const clock = yearClock(stack, o.year, progress);
    const refusals = await runYear(clock, tasks, replies.replies, o.year, progress);
    const results = await collect(stack, clock, tasks, o.year, progress);
    // the year's wall time ends with its last verdict: what the caller does with
    // the finished year (a report, the benchmark's replay) is not the rehearsal
    const wallMs = Date.now() - started;
    await o.onDone?.(stack.db, taskSetId, stack.env.client);

    // Refusals the workflows recorded (late, unit not on the task, …).
    const recorded = await stack.db.prisma.report.count({ where: { accepted: false } });
    const acceptedRows = await stack.db.prisma.report.count({ where: { accepted: true } });
    return {
      ...(await tally(stack.db, taskSetId, results)),
      replies: {
        lines: replies.replies.length,
        accepted: acceptedRows,
        refused: refusals.length + recorded,
        refusals,
      },
      warnings,
      wallMs,
      activity: { calls: stack.activity.calls, ms: Math.round(stack.activity.ms) },
      ...(o.keep ? { folder } : {}),
      ...(o.pgUrl && !o.keep && kept ? { database: (await kept).location } : {}),
    };
  } finally {
    await stack?.close();
    await kept?.then((db) => db.close()).catch(() => undefined);
    if (!o.keep) await rm(folder, { recursive: true, force: true });
  }
}

/** The stack, its three slow parts side by side, on a clock at the year's first moment. */
function prepare(
  folder: string,
  year: number,
  database: Promise<Database> | undefined,
  progress: Progress,
  noopActivities = false,
): Promise<ThrowawayStack> {
  progress.phase('准备（数据库、时间跳跃服务器、工作流打包）', 3);
  return createThrowawayStack({
    config: loadConfig({ DUBAN_HOME: folder, TOKEN_SECRET: 'simulate-'.padEnd(40, 'x') }),
    taskQueue: 'duban-simulate',
    clockStartsAt: atChinaTime(`${year}-01-01`, '00:00'),
    ...(database ? { database } : {}),
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 4,
    ...(noopActivities
      ? {
          activities: {
            applyEffects: async () => ({ mails: 0 }),
            sendMail: async (order: SendMailInput): Promise<MailOutcome> => ({
              step: order.mail.step,
              status: 'sent',
              at: Date.now(),
            }),
          },
        }
      : {}),
    onPartReady: () => progress.tick(),
  });
}

/** The tables into the stack's database; a located error stops everything. */
async function importYear(
  db: Database,
  o: SimulateOptions,
): Promise<{ taskSetId: string; warnings: string[] }> {
  const imported = await importTables(db, {
    tasksFile: o.tasksFile,
    unitsFile: o.unitsFile,
    year: o.year,
    actor: 'duban simulate',
    ...(o.cadence !== undefined ? { cadence: o.cadence } : {}),
  });
  if (imported.errors.length) {
    throw new SimulateInputError(
      `任务表或单位名录有 ${imported.errors.length} 处错误`,
      imported.errors.map((e) => ({ ...e, row: e.row ?? 0 })),
    );
  }
  const warnings = imported.warnings.map(
    (w) => `${path.basename(w.file)}${w.row ? ` 第 ${w.row} 行` : ''}：${w.message}`,
  );
  return { taskSetId: imported.taskSetId, warnings };
}

/** One workflow per task, each with the periods it will plan. */
async function startYear(
  stack: ThrowawayStack,
  taskSetId: string,
  year: number,
  progress: Progress,
): Promise<Map<string, YearTask>> {
  const yearStart = atChinaTime(`${year}-01-01`, '00:00');
  progress.phase('启动工作流', await stack.db.prisma.task.count({ where: { taskSetId } }));
  const tasks = new Map<string, YearTask>();
  await stack.start(taskSetId, {
    onStarted: ({ input, handle }) => {
      // The same pure plan the workflows make (started at the year's first moment): a reply
      // goes to the period open on its date, without asking each workflow.
      const plan = planPeriods({
        year,
        startedAt: yearStart,
        deadline: input.deadline,
        settings: input.settings,
        cal: new WorkingCalendar(input.calendar),
      });
      tasks.set(input.seq, { seq: input.seq, deadline: input.deadline, handle, plan });
      progress.tick();
    },
  });
  return tasks;
}

interface YearClock {
  /** where the simulation has been moved to (the workflows' clock) */
  at: number;
  /** the workflows' clock now */
  now(): Promise<number>;
  /** moves to `to` a week at a time (for the progress bar) */
  advance(to: number): Promise<void>;
}

function yearClock(stack: ThrowawayStack, year: number, progress: Progress): YearClock {
  const clock: YearClock = {
    at: atChinaTime(`${year}-01-01`, '00:00'),
    now: () => stack.clock(),
    async advance(to) {
      while (clock.at < to) {
        const next = Math.min(to, clock.at + 7 * DAY);
        await stack.advanceTo(next);
        progress.tick(Math.round((next - clock.at) / DAY));
        clock.at = next;
      }
    },
  };
  return clock;
}

/** The year to its last evening, each day's replies delivered at 10:00; returns those not delivered. */
async function runYear(
  clock: YearClock,
  tasks: Map<string, YearTask>,
  replies: Reply[],
  year: number,
  progress: Progress,
): Promise<Refusals> {
  const yearStart = atChinaTime(`${year}-01-01`, '00:00');
  const yearEnd = atChinaTime(`${year}-12-31`, '23:00');
  progress.phase(`模拟 ${year} 年`, Math.ceil((yearEnd - yearStart) / DAY));
  const refusals: Refusals = [];
  const queue = [...replies];
  while (queue.length) {
    const date = queue[0]!.date;
    const batch: Reply[] = [];
    while (queue.length && queue[0]!.date === date) batch.push(queue.shift()!);
    await clock.advance(Math.max(atChinaTime(date, '10:00'), yearStart));
    const receivedAt = await clock.now();
    await inParallel(batch, 16, async (r) => {
      const task = tasks.get(r.task);
      const outcome = await deliver(task?.handle, task?.plan ?? [], r, receivedAt);
      if (!outcome.ok) refusals.push({ line: r.line, task: r.task, unit: r.unit, reason: outcome.reason });
    });
  }
  await clock.advance(yearEnd);
  return refusals;
}

/**
 * Past every review window (the latest deadline + its review), then each
 * task's result, through a plain client: concurrent result() calls on the
 * time-skipping client unbalance its skip lock.
 */
async function collect(
  stack: ThrowawayStack,
  clock: YearClock,
  tasks: Map<string, YearTask>,
  year: number,
  progress: Progress,
): Promise<TaskResult[]> {
  const lastDeadline =
    [...tasks.values()]
      .map((t) => t.deadline)
      .sort()
      .at(-1) ?? `${year}-12-31`;
  const closeBy = atChinaTime(lastDeadline, '00:00') + 40 * DAY;
  progress.phase('评定期（等待各任务办结）', Math.ceil((closeBy - clock.at) / DAY) + tasks.size);
  await clock.advance(closeBy);
  const plain = new Client({ connection: stack.env.connection });
  const results: TaskResult[] = [];
  await inParallel([...tasks.values()], 32, async ({ handle }) => {
    const described = await plain.workflow.getHandle(handle.workflowId).describe();
    // still open (an extension beyond the window): let the time-skipping client skip to its end
    results.push(
      described.status.name === 'RUNNING'
        ? await handle.result()
        : await plain.workflow.getHandle<typeof taskWorkflow>(handle.workflowId).result(),
    );
    progress.tick();
  });
  return results;
}

/** Signals one reply to its task, for the period open at that moment. */
async function deliver(
  handle: WorkflowHandle<typeof taskWorkflow> | undefined,
  plan: Period[],
  r: Reply,
  receivedAt: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!handle) return { ok: false, reason: `没有序号为「${r.task}」的任务` };
  try {
    const open = plan.filter((p) => p.requestAt <= receivedAt);
    const period = (open[open.length - 1] ?? plan[0])?.id ?? 'final';
    const report: ReportInput = {
      key: `simulate/${r.line}`,
      period,
      unit: r.unit,
      status: r.status,
      percent: r.percent,
      text: r.text,
      ...(r.reason ? { reason: r.reason } : {}),
      channel: 'simulate',
      receivedAt,
    };
    await handle.signal(reportSignal, report);
    return { ok: true };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ok: false, reason: '任务已办结，回复未送达' };
    throw err;
  }
}

async function tally(db: Database, taskSetId: string, results: TaskResult[]) {
  const tasks = await db.prisma.task.findMany({
    where: { taskSetId },
    include: {
      assignments: { where: { active: true, role: 'lead' }, include: { unit: true } },
      verdict: true,
    },
    orderBy: { id: 'asc' },
  });
  const verdicts = emptyCounts();
  const byCategory: Record<string, Counts> = {};
  const bySeq = new Map(results.map((r) => [r.seq, r]));
  const rows = tasks.map((t) => {
    const v = bySeq.get(t.seq)?.verdict;
    if (v) {
      verdicts[v.final]++;
      (byCategory[t.category] ??= emptyCounts())[v.final]++;
    } else byCategory[t.category] ??= emptyCounts();
    return {
      seq: t.seq,
      category: t.category,
      task: t.text,
      leadUnits: t.assignments.map((a) => a.unit.name),
      lastReport: t.lastReport,
      verdict: v?.final ?? null,
      reason: v?.reason ?? null,
    };
  });
  const levels = await db.prisma.escalation.groupBy({
    by: ['level'],
    where: { task: { taskSetId } },
    _count: true,
  });
  const level = (l: string) => levels.find((x) => x.level === l)?._count ?? 0;
  const kinds = await db.prisma.sentMail.groupBy({ by: ['kind'], _count: true });
  // the periods each task asked for (one Request row per unit and period)
  const periods = await db.prisma.request.groupBy({
    by: ['taskId', 'period'],
    where: { task: { taskSetId } },
  });
  const seqOf = new Map(tasks.map((t) => [t.id, t.seq]));
  const requestsPerTask: Record<string, number> = Object.fromEntries(tasks.map((t) => [t.seq, 0]));
  for (const p of periods) requestsPerTask[seqOf.get(p.taskId)!]!++;
  const counts = Object.values(requestsPerTask);
  const set = await db.prisma.taskSet.findUniqueOrThrow({ where: { id: taskSetId } });
  return {
    tasks: tasks.length,
    mails: kinds.reduce((n, k) => n + k._count, 0),
    reminders: level('reminder1') + level('reminder2'),
    escalations: level('escalation'),
    verdicts,
    byCategory,
    rows,
    mailsByKind: Object.fromEntries(kinds.map((k) => [k.kind, k._count])),
    cadence: cadenceLabel(settingsFrom(set.settings, set).cadence),
    requestsPerTask,
    requests: {
      total: counts.reduce((a, b) => a + b, 0),
      min: counts.length ? Math.min(...counts) : 0,
      max: counts.length ? Math.max(...counts) : 0,
    },
  };
}

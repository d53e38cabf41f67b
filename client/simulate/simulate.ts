// `duban simulate`: a whole year in minutes. A throw-away embedded database
// (PGlite in a temporary folder), Temporal's time-skipping test server, the
// real task workflow and the real activities, mail into nodemailer's JSON
// transport (sendOnce and SentMail as in production, nothing leaves the
// process). The replies file's lines arrive as report SIGNALS at 10:00 on
// their dates (the time-skipping server does not skip time while an update
// waits); units that never reply are reminded and escalated as in real life.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { openEmbedded, openInMemory, type Database } from '../../lib/db.ts';
import { applyMigrations } from '../../prisma/migrate.ts';
import { importTables } from '../import/index.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { bundleWorkflows, createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../start/task-inputs.ts';
import { loadConfig } from '../../lib/config.ts';
import { requireTool, temporalTestServer } from '../../lib/tools.ts';
import { atChinaTime, WorkingCalendar } from '../../workflows/calendar.ts';
import { reportSignal } from '../../workflows/messages.ts';
import { planPeriods } from '../../workflows/schedule.ts';
import type { TaskResult } from '../../workflows/state.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';
import { VERDICTS, type Period, type ReportInput, type Verdict } from '../../workflows/types.ts';
import { inParallel } from '../../lib/parallel.ts';
import { BadInputError } from '../../lib/errors.ts';
import { readReplies, type Reply, type ReplyError } from './replies.ts';

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
  replies: {
    lines: number;
    accepted: number;
    refused: number;
    refusals: { line: number; task: string; unit: string; reason: string }[];
  };
  warnings: string[];
  wallMs: number;
  /** applyEffects calls and the milliseconds spent in them */
  activity: { calls: number; ms: number };
  folder?: string;
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

export async function simulateYear(o: SimulateOptions): Promise<SimulateResult> {
  const started = Date.now();
  const phase = (label: string, total: number) => o.onPhase?.(label, total);
  const tick = (n = 1) => o.onTick?.(n);

  const replies = o.repliesFile ? await readReplies(o.repliesFile) : { replies: [], errors: [] };
  if (replies.errors.length)
    throw new SimulateInputError(`回复文件有 ${replies.errors.length} 处错误`, replies.errors);

  const folder = await mkdtemp(path.join(os.tmpdir(), 'duban-simulate-'));
  let db: Database | undefined;
  let env: TestWorkflowEnvironment | undefined;
  try {
    phase('准备（数据库、时间跳跃服务器、工作流打包）', 3);
    const config = loadConfig({ DUBAN_HOME: folder, TOKEN_SECRET: 'simulate-'.padEnd(40, 'x') });
    const [opened, testEnv, bundle] = await Promise.all([
      throwAwayDatabase(folder, Boolean(o.keep)).then(async (d) => {
        await applyMigrations(d.sql);
        tick();
        return d;
      }),
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: requireTool(temporalTestServer) } },
      }).then((e) => (tick(), e)),
      bundleWorkflows().then((b) => (tick(), b)),
    ]);
    db = opened;
    env = testEnv;

    const imported = await importTables(db, {
      tasksFile: o.tasksFile,
      unitsFile: o.unitsFile,
      year: o.year,
      actor: 'duban simulate',
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
    const taskSetId = imported.taskSetId;

    const transport = nodemailer.createTransport({ jsonTransport: true });
    const real = createActivities({
      prisma: db.prisma,
      transport,
      config,
    });
    // Timed, so the result says how much of the wall time the database and mail took.
    const activity = { calls: 0, ms: 0 };
    const activities: typeof real = {
      async applyEffects(batch) {
        const t = performance.now();
        try {
          return await real.applyEffects(batch);
        } finally {
          activity.calls++;
          activity.ms += performance.now() - t;
        }
      },
    };
    const taskQueue = 'duban-simulate';
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      activities,
      workflowBundle: bundle,
      maxCachedWorkflows: 1000,
      maxConcurrentActivityTaskExecutions: 4,
    });
    const running = worker.run();
    try {
      const yearStart = atChinaTime(`${o.year}-01-01`, '00:00');
      const offset = yearStart - (await env.currentTimeMs());
      const clock = async () => (await env!.currentTimeMs()) + offset;
      const starts = await buildTaskInputs(db.prisma, taskSetId, {
        clockOffsetMs: offset,
        searchAttributes: false,
      });
      phase('启动工作流', starts.length);
      const handles = new Map<string, WorkflowHandle<typeof taskWorkflow>>();
      // The same pure plan the workflows make (started at the year's first moment): a reply
      // goes to the period open on its date, without asking each workflow.
      const plans = new Map<string, Period[]>();
      for (const s of starts) {
        const cal = new WorkingCalendar(s.input.calendar);
        plans.set(
          s.input.seq,
          planPeriods({
            year: o.year,
            startedAt: yearStart,
            deadline: s.input.deadline,
            settings: s.input.settings,
            cal,
          }),
        );
        handles.set(
          s.input.seq,
          await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
            taskQueue,
            workflowId: s.workflowId,
            args: [s.input],
          }),
        );
        tick();
      }

      // The year, a week at a time (for the progress bar), replies delivered on their dates.
      const yearEnd = atChinaTime(`${o.year}-12-31`, '23:00');
      const days = Math.ceil((yearEnd - yearStart) / DAY);
      phase(`模拟 ${o.year} 年`, days);
      const refusals: SimulateResult['replies']['refusals'] = [];
      let at = yearStart;
      const queue = [...replies.replies];
      const advance = async (to: number) => {
        while (at < to) {
          const next = Math.min(to, at + 7 * DAY);
          const now = await clock();
          if (next > now) await env!.sleep(next - now);
          tick(Math.round((next - at) / DAY));
          at = next;
        }
      };
      while (queue.length) {
        const date = queue[0]!.date;
        const batch: Reply[] = [];
        while (queue.length && queue[0]!.date === date) batch.push(queue.shift()!);
        await advance(Math.max(atChinaTime(date, '10:00'), yearStart));
        const receivedAt = await clock();
        await inParallel(batch, 16, async (r) => {
          const outcome = await deliver(handles.get(r.task), plans.get(r.task) ?? [], r, receivedAt);
          if (!outcome.ok)
            refusals.push({ line: r.line, task: r.task, unit: r.unit, reason: outcome.reason });
        });
      }
      await advance(yearEnd);

      // Past every review window (the latest deadline + its review), then collect the results
      // through a plain client: concurrent result() calls on the time-skipping client unbalance
      // its skip lock.
      const lastDeadline =
        starts
          .map((s) => s.input.deadline)
          .sort()
          .at(-1) ?? `${o.year}-12-31`;
      const closeBy = atChinaTime(lastDeadline, '00:00') + 40 * DAY;
      phase('评定期（等待各任务办结）', Math.ceil((closeBy - at) / DAY) + starts.length);
      await advance(closeBy);
      const plain = new Client({ connection: env.connection });
      const results: TaskResult[] = [];
      await inParallel([...handles.values()], 32, async (h) => {
        const d = await plain.workflow.getHandle(h.workflowId).describe();
        // still open (an extension beyond the window): let the time-skipping client skip to its end
        results.push(
          d.status.name === 'RUNNING'
            ? await h.result()
            : await plain.workflow.getHandle<typeof taskWorkflow>(h.workflowId).result(),
        );
        tick();
      });

      // Refusals the workflows recorded (late, unit not on the task, …).
      const recorded = await db.prisma.report.count({ where: { accepted: false } });
      const acceptedRows = await db.prisma.report.count({ where: { accepted: true } });
      return {
        ...(await tally(db, taskSetId, results)),
        replies: {
          lines: replies.replies.length,
          accepted: acceptedRows,
          refused: refusals.length + recorded,
          refusals,
        },
        warnings,
        wallMs: Date.now() - started,
        activity: { calls: activity.calls, ms: Math.round(activity.ms) },
        ...(o.keep ? { folder } : {}),
      };
    } finally {
      worker.shutdown();
      await running;
    }
  } finally {
    await env?.teardown().catch(() => undefined);
    await db?.close().catch(() => undefined);
    if (!o.keep) await rm(folder, { recursive: true, force: true });
  }
}

/**
 * PGlite in memory (nothing on disk, and faster), or in the temporary folder
 * when the caller wants to look at it afterwards (--keep).
 */
async function throwAwayDatabase(folder: string, keep: boolean): Promise<Database> {
  return keep ? openEmbedded(path.join(folder, 'pgdata')) : openInMemory();
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
  return {
    tasks: tasks.length,
    mails: kinds.reduce((n, k) => n + k._count, 0),
    reminders: level('reminder1') + level('reminder2'),
    escalations: level('escalation'),
    verdicts,
    byCategory,
    rows,
    mailsByKind: Object.fromEntries(kinds.map((k) => [k.kind, k._count])),
  };
}

// Shared setup for the task workflow tests: the time-skipping server, a fresh
// PostgreSQL database, the real activities with mail into nodemailer's JSON
// transport (SentMail rows are what the tests read), one worker per file.
// The server's clock starts today; the workflows run 2022 through
// clockOffsetMs, and `advanceTo` moves the shared clock to a 2022 moment.
import nodemailer from 'nodemailer';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { bundleWorkflows, createWorker } from '../../worker/worker.ts';
import { buildTaskInputs, type BuildOptions } from '../../client/start/task-inputs.ts';
import { loadConfig } from '../../lib/config.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import type { ReportInput } from '../../workflows/types.ts';
import type { PrismaClient } from '../../lib/db.ts';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const YEAR = 2022;
/** Tuesday 4 January 2022, 08:00 China time: the tests' year begins here. */
export const YEAR_START = atChinaTime('2022-01-04', '08:00');

export interface UnitSpec {
  name: string;
  emails?: string[];
  leaderEmails?: string[];
}

export interface TaskSpec {
  seq: string;
  category?: string;
  text?: string;
  deadline?: string;
  lead: string[];
  co?: string[];
}

let counter = 0;

/** A task set with its units, tasks and assignments, as the importer leaves them. */
export async function seedTaskSet(
  prisma: PrismaClient,
  spec: { units: UnitSpec[]; tasks: TaskSpec[]; settings?: object; year?: number },
): Promise<string> {
  const taskSetId = `t${Date.now().toString(36)}${(counter++).toString(36)}`;
  await prisma.taskSet.create({
    data: {
      id: taskSetId,
      name: '测试任务集',
      year: spec.year ?? YEAR,
      sourceFile: 'test',
      sourceHash: 'test',
      settings: spec.settings ?? {},
    },
  });
  const units = new Map<string, number>();
  for (const [i, u] of spec.units.entries()) {
    const slug = `u${i + 1}`;
    const row = await prisma.unit.create({
      data: {
        taskSetId,
        code: slug.toUpperCase(),
        name: u.name,
        emails: u.emails ?? [`${slug}@units.test`],
        leaderEmails: u.leaderEmails ?? [`leader-${slug}@units.test`],
      },
    });
    units.set(u.name, row.id);
  }
  for (const t of spec.tasks) {
    const task = await prisma.task.create({
      data: {
        taskSetId,
        seq: t.seq,
        category: t.category ?? '重点工作',
        text: t.text ?? `测试任务 ${t.seq}`,
        deadline: new Date(`${t.deadline ?? `${YEAR}-12-31`}T00:00:00Z`),
        workflowId: `duban/${taskSetId}/${t.seq}`,
      },
    });
    for (const [role, names] of [
      ['lead', t.lead],
      ['co', t.co ?? []],
    ] as const) {
      for (const name of names)
        await prisma.assignment.create({ data: { taskId: task.id, unitId: units.get(name)!, role } });
    }
  }
  return taskSetId;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  worker: Worker;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue: string;
  /** server time + offset = the workflows' 2022 clock; begin() resets it to YEAR_START */
  offset: number;
  /** a new test: the clock reads YEAR_START again, workflows of earlier tests are terminated */
  begin(): Promise<void>;
  /** a fresh worker on the same queue (the old one is shut down): a restart in the middle */
  restartWorker(): Promise<void>;
  /** the workflows' clock now */
  clock(): Promise<number>;
  /** moves the shared clock forward to a 2022 moment (timers fire on the way) */
  advanceTo(at: number): Promise<void>;
  /** starts every task of a set; returns the workflow ids */
  start(taskSetId: string, options?: BuildOptions): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * maxCachedWorkflows 0: no sticky queues, every workflow task is rebuilt from
 * its history. The restart test needs it: the time-skipping server keeps time
 * locked while a task waits on a dead worker's sticky queue.
 */
export async function createHarness(options: { maxCachedWorkflows?: number } = {}): Promise<Harness> {
  const [env, db, bundle] = await Promise.all([
    timeSkippingEnv(),
    createTestDatabase('duban_wf'),
    bundleWorkflows(),
  ]);
  const config = loadConfig({ TOKEN_SECRET: 'x'.repeat(40), DUBAN_HOME: '/tmp/duban-test-home' });
  const transport = nodemailer.createTransport({ jsonTransport: true });
  const activities = createActivities({
    prisma: db.prisma,
    transport,
    config,
  });
  const taskQueue = `wf-test-${counter++}`;
  const cache = options.maxCachedWorkflows;
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: bundle,
    maxCachedWorkflows: cache,
  });
  let running = worker.run();
  const started: string[] = [];
  const h: Harness = {
    env,
    db,
    worker,
    bundle,
    taskQueue,
    offset: YEAR_START - (await env.currentTimeMs()),
    async begin() {
      for (const id of started.splice(0)) {
        await env.client.workflow
          .getHandle(id)
          .terminate('测试结束')
          .catch(() => undefined);
      }
      h.offset = YEAR_START - (await env.currentTimeMs());
    },
    async restartWorker() {
      h.worker.shutdown();
      await running;
      h.worker = await createWorker({
        connection: env.nativeConnection,
        taskQueue,
        activities,
        workflowBundle: bundle,
        maxCachedWorkflows: cache,
      });
      running = h.worker.run();
    },
    clock: async () => (await env.currentTimeMs()) + h.offset,
    async advanceTo(at) {
      const current = (await env.currentTimeMs()) + h.offset;
      if (at > current) await env.sleep(at - current);
    },
    async start(taskSetId, options = {}) {
      const starts = await buildTaskInputs(db.prisma, taskSetId, {
        clockOffsetMs: h.offset,
        searchAttributes: false,
        ...options,
      });
      for (const s of starts) {
        await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
          taskQueue,
          workflowId: s.workflowId,
          args: [s.input],
        });
        started.push(s.workflowId);
      }
      return starts.map((s) => s.workflowId);
    },
    async close() {
      h.worker.shutdown();
      await running;
      await Promise.all([env.teardown(), db.drop()]);
    },
  };
  return h;
}

/** A report as the inbox would signal it. */
export function report(period: string, unit: string, over: Partial<ReportInput> = {}): ReportInput {
  return {
    key: `${period}/${unit}/${over.status ?? '推进中'}/${over.percent ?? 50}`,
    period,
    unit,
    status: '推进中',
    percent: 50,
    text: `${unit} ${period} 进展正常`,
    channel: 'simulate',
    receivedAt: 0,
    ...over,
  };
}

/** Every periodic request answered by `unit` an hour after it goes out (the final one only if `final` is given). */
export async function answerEveryRequest(
  h: Harness,
  workflowId: string,
  unit: string,
  final?: Partial<ReportInput>,
): Promise<void> {
  const handle = h.env.client.workflow.getHandle(workflowId);
  const view = await handle.query(stateQuery);
  for (const [i, p] of view.periods.entries()) {
    if (p.final && !final) continue;
    await h.advanceTo(p.requestAt + 3_600_000);
    const percent = p.final ? 100 : Math.min(95, Math.round(((i + 1) / 12) * 100));
    await handle.signal(
      reportSignal,
      report(p.id, unit, { percent, receivedAt: await h.clock(), ...(p.final ? final : {}) }),
    );
  }
}

export async function mailsOf(h: Harness, workflowId: string) {
  return h.db.prisma.sentMail.findMany({ where: { workflowId }, orderBy: { id: 'asc' } });
}

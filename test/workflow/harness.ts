// Shared setup for the task workflow tests, on the throw-away stack that
// `duban simulate` runs on (client/simulate/throwaway-stack.ts): the
// time-skipping server, a fresh PostgreSQL database, the real activities with
// mail into nodemailer's JSON transport (SentMail rows are what the tests
// read), one worker per file. The server's clock starts today; the workflows
// run 2022 through clockOffsetMs, and `advanceTo` moves the shared clock to a
// 2022 moment.
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { bundleWorkflows } from '../../worker/worker.ts';
import type { BuildOptions } from '../../client/start/task-inputs.ts';
import { createThrowawayStack } from '../../client/simulate/throwaway-stack.ts';
import { loadConfig } from '../../lib/config.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
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
  const database = createTestDatabase('duban_wf');
  // bundled here rather than taken prebuilt: `bundle` is part of the harness's API, the bundle itself
  const bundling = bundleWorkflows();
  const stack = await createThrowawayStack({
    config: loadConfig({ TOKEN_SECRET: 'x'.repeat(40), DUBAN_HOME: '/tmp/duban-test-home' }),
    taskQueue: `wf-test-${counter++}`,
    clockStartsAt: YEAR_START,
    database,
    workflowBundle: bundling,
    maxCachedWorkflows: options.maxCachedWorkflows,
  });
  const [db, bundle] = await Promise.all([database, bundling]);
  const started: string[] = [];
  const h: Harness = {
    env: stack.env,
    db,
    get worker() {
      return stack.worker;
    },
    bundle,
    taskQueue: stack.taskQueue,
    get offset() {
      return stack.offset;
    },
    set offset(offset) {
      stack.offset = offset;
    },
    async begin() {
      for (const id of started.splice(0)) {
        await stack.env.client.workflow
          .getHandle(id)
          .terminate('测试结束')
          .catch(() => undefined);
      }
      await stack.setClock(YEAR_START);
    },
    restartWorker: () => stack.restartWorker(),
    clock: () => stack.clock(),
    advanceTo: (at) => stack.advanceTo(at),
    async start(taskSetId, options = {}) {
      const tasks = await stack.start(taskSetId, options);
      started.push(...tasks.map((t) => t.workflowId));
      return tasks.map((t) => t.workflowId);
    },
    async close() {
      try {
        await stack.close();
      } finally {
        await db.drop();
      }
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

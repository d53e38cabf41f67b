// The Duban worker: the task workflow and its activities on one task queue.
// `duban up`, simulate and the tests all build it here, and the workflow input
// is built here from the database rows, so start and simulate agree.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { PrismaClient } from '../activities/db.ts';
import { calendarDataFor } from '../activities/calendar-data.ts';
import { DEFAULT_SETTINGS, type CalendarData, type ScheduleSettings, type UnitRef } from '../workflows/types.ts';
import type { TaskWorkflowInput } from '../workflows/state.ts';
import type { TaskActivities } from '../activities/task-activities.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundle the workflow code once (a few seconds) and hand it to several workers or replays. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: quietLogger });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

export interface WorkerOptions {
  connection: NativeConnection;
  taskQueue: string;
  namespace?: string;
  activities: TaskActivities;
  /** workflows kept in memory between tasks; default 500 (the SDK's default grows with the heap) */
  maxCachedWorkflows?: number;
  /** a prebuilt bundle (bundleWorkflows()); default: bundle workflows/index.ts now */
  workflowBundle?: WorkflowBundleWithSourceMap;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities: options.activities,
    maxCachedWorkflows: options.maxCachedWorkflows ?? 500,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
  });
}

/** The task set's settings: TaskSet.settings over the defaults (an empty object → the defaults). */
export function settingsFrom(json: unknown): ScheduleSettings {
  const given = json && typeof json === 'object' ? (json as Partial<ScheduleSettings>) : {};
  return {
    ...DEFAULT_SETTINGS,
    ...given,
    quietHours: { ...DEFAULT_SETTINGS.quietHours, ...(given.quietHours ?? {}) },
  };
}

export interface TaskStart {
  workflowId: string;
  input: TaskWorkflowInput;
  leadUnits: string[];
}

export interface BuildOptions {
  /** only these 序号 */
  seqs?: string[];
  /** the working-day calendar; default from calendarDataFor(year, year + 1) */
  calendar?: CalendarData;
  clockOffsetMs?: number;
  searchAttributes?: boolean;
}

/** One workflow input per task of the set, from the database rows (active assignments). */
export async function buildTaskInputs(prisma: PrismaClient, taskSetId: string, options: BuildOptions = {}): Promise<TaskStart[]> {
  const set = await prisma.taskSet.findUnique({ where: { id: taskSetId } });
  if (!set) throw new Error(`没有任务集「${taskSetId}」`);
  const tasks = await prisma.task.findMany({
    where: { taskSetId, ...(options.seqs ? { seq: { in: options.seqs } } : {}) },
    include: { assignments: { where: { active: true }, include: { unit: true } } },
    orderBy: { id: 'asc' },
  });
  const settings = settingsFrom(set.settings);
  const calendar = options.calendar ?? calendarDataFor([set.year, set.year + 1]).data;
  return tasks.map((t) => {
    const ref = (role: string): UnitRef[] =>
      t.assignments
        .filter((a) => a.role === role)
        .map((a) => ({ name: a.unit.name, emails: a.unit.emails, leaderEmails: a.unit.leaderEmails }));
    const lead = ref('lead');
    const input: TaskWorkflowInput = {
      taskSetId,
      seq: t.seq,
      category: t.category,
      text: t.text,
      year: set.year,
      deadline: t.deadline.toISOString().slice(0, 10),
      lead,
      co: ref('co'),
      settings,
      calendar,
      ...(options.clockOffsetMs ? { clockOffsetMs: options.clockOffsetMs } : {}),
      ...(options.searchAttributes === false ? { searchAttributes: false } : {}),
    };
    return { workflowId: t.workflowId, input, leadUnits: lead.map((u) => u.name) };
  });
}

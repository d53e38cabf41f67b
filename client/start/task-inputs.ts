// A task set's rows in the database → one workflow input per task: the units
// of its active assignments, the set's schedule settings over the defaults,
// and the working-day calendar of the year (and the next, for deadlines that
// move past New Year). `duban start`, `duban simulate` and the tests build
// their inputs here, so they agree.
import type { PrismaClient } from '../../lib/db.ts';
import { calendarDataFor } from '../../lib/calendar-data.ts';
import type { CalendarData, UnitRef } from '../../workflows/types.ts';
import { settingsFrom } from '../import/settings.ts';
import { unitRefOf } from '../../lib/unit-addresses.ts';
import type { TaskWorkflowInput } from '../../workflows/state.ts';

export { settingsFrom } from '../import/settings.ts';

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
export async function buildTaskInputs(
  prisma: PrismaClient,
  taskSetId: string,
  options: BuildOptions = {},
): Promise<TaskStart[]> {
  const set = await prisma.taskSet.findUnique({ where: { id: taskSetId } });
  if (!set) throw new Error(`没有任务集「${taskSetId}」`);
  const tasks = await prisma.task.findMany({
    where: { taskSetId, ...(options.seqs ? { seq: { in: options.seqs } } : {}) },
    include: { assignments: { where: { active: true }, include: { unit: true } } },
    orderBy: { id: 'asc' },
  });
  // checked here, before any workflow starts: a wrong setting is told, located, and nothing starts
  const settings = settingsFrom(set.settings, set);
  const calendar = options.calendar ?? calendarDataFor([set.year, set.year + 1]).data;
  return tasks.map((t) => {
    const ref = (role: string): UnitRef[] =>
      t.assignments.filter((a) => a.role === role).map((a) => unitRefOf(a.unit));
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

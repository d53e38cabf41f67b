// Writes an import to the database in ONE transaction: the task set, its
// units, tasks and assignments, and an audit event. Either all of it lands or
// none of it does. Tasks whose workflows already run (state other than 未启动)
// are never touched here: the diff lists them as blocked and the office
// changes them through the workflow (延期 / 改派 / 撤销), which keeps the history
// the source of truth.
import type { Database } from '../../lib/db.ts';
import type { ExistingTask, ExistingUnit } from './diff.ts';
import type { DirectoryUnit, ImportDiff, ImportIssue, ParsedTask } from './types.ts';

const TASK_CHUNK = 5000;
const ASSIGNMENT_CHUNK = 20000;
/** an interactive transaction that may write 50,000 tasks needs more than Prisma's 5 s default */
const TX_OPTIONS = { maxWait: 60_000, timeout: 30 * 60_000 };

export interface ExistingSet {
  id: string;
  name: string;
  year: number;
  startedAt: Date | null;
  tasks: (ExistingTask & { id: number })[];
  units: (ExistingUnit & { id: number })[];
}

/*
 * Read with plain SQL: for 50,000 tasks and their assignments this takes a
 * fraction of a second, where Prisma's include took about 7 s here.
 */
export async function loadExisting(db: Database, taskSetId: string): Promise<ExistingSet | undefined> {
  const set = await db.prisma.taskSet.findUnique({ where: { id: taskSetId } });
  if (!set) return undefined;
  const units = await db.prisma.unit.findMany({ where: { taskSetId }, orderBy: { id: 'asc' } });
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const { rows: taskRows } = await db.sql.query(
    `SELECT "id", "seq", "category", "group", "text", to_char("deadline", 'YYYY-MM-DD') AS "deadline", "continuing", "attributes", "state"
       FROM "Task" WHERE "taskSetId" = $1 ORDER BY "id"`,
    [taskSetId],
  );
  const { rows: assignmentRows } = await db.sql.query(
    `SELECT a."taskId", a."unitId", a."role" FROM "Assignment" a JOIN "Task" t ON t."id" = a."taskId"
      WHERE t."taskSetId" = $1 AND a."active" ORDER BY a."id"`,
    [taskSetId],
  );
  const byTask = new Map<number, { lead: string[]; co: string[] }>();
  for (const a of assignmentRows as { taskId: number; unitId: number; role: string }[]) {
    const entry = byTask.get(a.taskId) ?? { lead: [], co: [] };
    (a.role === 'lead' ? entry.lead : entry.co).push(unitName.get(a.unitId)!);
    byTask.set(a.taskId, entry);
  }
  type TaskRow = {
    id: number;
    seq: string;
    category: string;
    group: string | null;
    text: string;
    deadline: string;
    continuing: boolean;
    attributes: unknown;
    state: string;
  };
  return {
    id: set.id,
    name: set.name,
    year: set.year,
    startedAt: set.startedAt,
    units: units.map((u) => ({
      id: u.id,
      code: u.code,
      name: u.name,
      aliases: u.aliases,
      type: u.type as DirectoryUnit['type'],
      emails: u.emails,
      leaderEmails: u.leaderEmails,
      members: u.members,
      attributes: (u.attributes ?? {}) as Record<string, string>,
    })),
    tasks: (taskRows as TaskRow[]).map((t) => ({
      id: t.id,
      seq: t.seq,
      category: t.category,
      group: t.group,
      text: t.text,
      deadline: t.deadline,
      continuing: t.continuing,
      attributes: (typeof t.attributes === 'string'
        ? JSON.parse(t.attributes)
        : (t.attributes ?? {})) as Record<string, string>,
      lead: byTask.get(t.id)?.lead ?? [],
      co: byTask.get(t.id)?.co ?? [],
      state: t.state,
    })),
  };
}

export interface ApplyInput {
  taskSetId: string;
  name: string;
  year: number;
  sourceFile: string;
  sourceHash: string;
  tasks: ParsedTask[];
  units: DirectoryUnit[];
  existing: ExistingSet | undefined;
  diff: ImportDiff;
  actor: string;
  /** a new set's settings (TaskSet.settings); an existing set keeps its own */
  settings?: object;
  onRows?: (done: number, total: number) => void;
}

export const workflowIdFor = (taskSetId: string, seq: string) => `duban/${taskSetId}/${seq}`;

/** A parsed row as Task columns (also the benchmark's bare-createMany baseline). */
export function taskData(t: ParsedTask) {
  return {
    category: t.category,
    group: t.group,
    text: t.text,
    deadline: new Date(`${t.deadline}T00:00:00Z`),
    continuing: t.continuing,
    deadlineRaw: t.deadlineRaw,
    attributes: t.attributes,
    sourceRow: t.sourceRow,
  };
}

function unitData(u: DirectoryUnit) {
  return {
    code: u.code,
    name: u.name,
    aliases: u.aliases,
    type: u.type,
    emails: u.emails,
    leaderEmails: u.leaderEmails,
    members: u.members,
    attributes: u.attributes,
  };
}

/** Writes the import; returns warnings about what it kept (units still used by running tasks). */
export async function applyImport(db: Database, input: ApplyInput): Promise<ImportIssue[]> {
  const { taskSetId, diff, existing } = input;
  const warnings: ImportIssue[] = [];
  const nextTaskBySeq = new Map(input.tasks.map((t) => [t.seq, t]));
  const nextUnitByName = new Map(input.units.map((u) => [u.name, u]));
  const toWrite = diff.added.length + diff.changed.length;
  let written = 0;

  await db.prisma.$transaction(async (tx) => {
    if (existing) {
      await tx.taskSet.update({
        where: { id: taskSetId },
        data: { name: input.name, sourceFile: input.sourceFile, sourceHash: input.sourceHash },
      });
    } else {
      await tx.taskSet.create({
        data: {
          id: taskSetId,
          name: input.name,
          year: input.year,
          sourceFile: input.sourceFile,
          sourceHash: input.sourceHash,
          settings: input.settings ?? {},
        },
      });
    }

    // Units first: assignments point at them.
    const unitId = new Map<string, number>((existing?.units ?? []).map((u) => [u.name, u.id]));
    const addedUnits = diff.units.added.map((n) => ({ taskSetId, ...unitData(nextUnitByName.get(n)!) }));
    if (addedUnits.length) {
      const created = await tx.unit.createManyAndReturn({
        data: addedUnits,
        select: { id: true, name: true },
      });
      for (const u of created) unitId.set(u.name, u.id);
    }
    for (const n of diff.units.changed) {
      await tx.unit.update({ where: { id: unitId.get(n)! }, data: unitData(nextUnitByName.get(n)!) });
    }

    // Tasks not yet started that left the table go; their assignments cascade.
    if (diff.removed.length) {
      await tx.task.deleteMany({ where: { taskSetId, seq: { in: diff.removed }, state: '未启动' } });
    }

    const assignments: NewAssignment[] = [];
    const assign = (taskId: number, t: ParsedTask) => {
      for (const n of t.lead) assignments.push({ taskId, unitId: unitId.get(n)!, role: 'lead' });
      for (const n of t.co) assignments.push({ taskId, unitId: unitId.get(n)!, role: 'co' });
    };

    const oldBySeq = new Map((existing?.tasks ?? []).map((t) => [t.seq, t]));
    for (const { seq } of diff.changed) {
      const old = oldBySeq.get(seq)!;
      const t = nextTaskBySeq.get(seq)!;
      // The state guard makes a workflow started between diff and write win: nothing is overwritten.
      const res = await tx.task.updateMany({ where: { id: old.id, state: '未启动' }, data: taskData(t) });
      if (res.count === 1) {
        await tx.assignment.deleteMany({ where: { taskId: old.id } });
        assign(old.id, t);
      }
      input.onRows?.(++written, toWrite);
    }

    for (let i = 0; i < diff.added.length; i += TASK_CHUNK) {
      const chunk = diff.added.slice(i, i + TASK_CHUNK).map((seq) => nextTaskBySeq.get(seq)!);
      for (const c of await insertTasks(tx, taskSetId, chunk)) assign(c.id, nextTaskBySeq.get(c.seq)!);
      written += chunk.length;
      input.onRows?.(written, toWrite);
    }
    for (let i = 0; i < assignments.length; i += ASSIGNMENT_CHUNK) {
      await insertAssignments(tx, assignments.slice(i, i + ASSIGNMENT_CHUNK));
    }

    // Units that left the directory go, unless a task (a running one) still names them.
    for (const n of diff.units.removed) {
      const id = unitId.get(n)!;
      const used = await tx.assignment.count({ where: { unitId: id } });
      if (used > 0) {
        warnings.push({
          file: input.sourceFile,
          row: null,
          column: null,
          value: n,
          message: `单位「${n}」已不在单位名录中，但仍有 ${used} 项已启动的任务交办给它，暂予保留；请通过改派处理`,
        });
      } else {
        await tx.unit.delete({ where: { id } });
      }
    }

    await tx.auditEvent.create({
      data: {
        actor: input.actor,
        action: existing ? 'import.update' : 'import.create',
        taskSetId,
        details: {
          sourceFile: input.sourceFile,
          sourceHash: input.sourceHash,
          added: diff.added.length,
          changed: diff.changed.map((c) => c.seq),
          removed: diff.removed,
          blocked: diff.blocked.map((b) => b.seq),
          units: diff.units,
        },
      },
    });
  }, TX_OPTIONS);
  return warnings;
}

type Tx = Parameters<Parameters<Database['prisma']['$transaction']>[0]>[0];
interface NewAssignment {
  taskId: number;
  unitId: number;
  role: 'lead' | 'co';
}

/*
 * Bulk inserts as one INSERT … SELECT FROM unnest(arrays) each: the rows
 * travel as a handful of array parameters instead of tens of thousands of
 * scalars, several times faster than createMany through the driver adapter
 * (see bench/import.ts). Same SQL on PostgreSQL and PGlite. updatedAt is
 * set here because Prisma's @updatedAt is filled in by the client, not SQL.
 */
async function insertTasks(
  tx: Tx,
  taskSetId: string,
  tasks: ParsedTask[],
): Promise<{ id: number; seq: string }[]> {
  return tx.$queryRawUnsafe<{ id: number; seq: string }[]>(
    `INSERT INTO "Task" ("taskSetId", "seq", "category", "group", "text", "deadline", "continuing", "deadlineRaw", "attributes", "sourceRow", "workflowId", "updatedAt")
     SELECT $1, x.seq, x.category, x.grp, x.text, x.deadline::date, x.continuing, x.raw, x.attributes::jsonb, x.row, x.wf, (now() AT TIME ZONE 'UTC')
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::int[], $11::text[])
       AS x(seq, category, grp, text, deadline, continuing, raw, attributes, row, wf)
     RETURNING "id", "seq"`,
    taskSetId,
    tasks.map((t) => t.seq),
    tasks.map((t) => t.category),
    tasks.map((t) => t.group),
    tasks.map((t) => t.text),
    tasks.map((t) => t.deadline),
    tasks.map((t) => t.continuing),
    tasks.map((t) => t.deadlineRaw),
    tasks.map((t) => JSON.stringify(t.attributes)),
    tasks.map((t) => t.sourceRow),
    tasks.map((t) => workflowIdFor(taskSetId, t.seq)),
  );
}

async function insertAssignments(tx: Tx, rows: NewAssignment[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "Assignment" ("taskId", "unitId", "role")
     SELECT * FROM unnest($1::int[], $2::int[], $3::text[])`,
    rows.map((r) => r.taskId),
    rows.map((r) => r.unitId),
    rows.map((r) => r.role),
  );
}

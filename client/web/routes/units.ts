// The units, the basis of the year's 考核:
//   GET /units?set=<id>   each unit of a set: its tasks (牵头 / 配合), late or
//                         missing reports, 催办 and 督办 received, verdicts of its tasks
//   GET /units/<id>       one unit: those lists in full and a chart of its
//                         tasks' lights over the year
import { NotFoundError } from '../../../lib/errors.ts';
import type { PrismaClient } from '../../../lib/db.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { rowId } from '../forms.ts';
import { unitListPage, unitPage, type UnitSummary } from '../views/unit.ts';

/** The end of a due day in China time: a report after it is late. */
const dueDayEnd = (due: Date) => new Date(`${due.toISOString().slice(0, 10)}T23:59:59.999+08:00`);

/** Per unit name of a set: what its 考核 counts. */
async function summaries(prisma: PrismaClient, taskSetId: string): Promise<Map<string, UnitSummary>> {
  const [assignments, requests, escalations] = await Promise.all([
    prisma.assignment.findMany({
      where: { active: true, task: { taskSetId } },
      select: {
        role: true,
        unit: { select: { name: true } },
        task: { select: { verdict: { select: { final: true } } } },
      },
    }),
    prisma.request.findMany({
      where: { task: { taskSetId } },
      select: { taskId: true, unitName: true, period: true, dueAt: true, reportedAt: true },
    }),
    prisma.escalation.findMany({
      where: { task: { taskSetId } },
      select: { taskId: true, unitName: true, period: true, level: true },
    }),
  ]);
  const out = new Map<string, UnitSummary>();
  const of = (name: string) => {
    let s = out.get(name);
    if (!s)
      out.set(
        name,
        (s = {
          lead: 0,
          co: 0,
          late: 0,
          missed: 0,
          reminders: 0,
          escalations: 0,
          verdicts: { 完成: 0, 部分完成: 0, 未完成: 0 },
        }),
      );
    return s;
  };
  for (const a of assignments) {
    const s = of(a.unit.name);
    if (a.role === 'lead') {
      s.lead++;
      const v = a.task.verdict?.final;
      if (v && v in s.verdicts) s.verdicts[v as keyof UnitSummary['verdicts']]++;
    } else s.co++;
  }
  const escalated = new Set(escalations.map((e) => `${e.taskId}|${e.unitName}|${e.period}`));
  for (const r of requests) {
    const s = of(r.unitName);
    if (r.reportedAt && r.reportedAt > dueDayEnd(r.dueAt)) s.late++;
    else if (!r.reportedAt && escalated.has(`${r.taskId}|${r.unitName}|${r.period}`)) s.missed++;
  }
  for (const e of escalations) {
    const s = of(e.unitName);
    if (e.level === 'escalation') s.escalations++;
    else s.reminders++;
  }
  return out;
}

/**
 * The set's present for the chart: now, or the latest thing its workflows did
 * when that is earlier (a rehearsal or the sample runs on the workflows' own
 * clock, years behind the server's).
 */
async function presentOf(prisma: PrismaClient, taskSetId: string): Promise<number> {
  const where = { task: { taskSetId } };
  const [requests, lights, escalations] = await Promise.all([
    prisma.request.aggregate({ where, _max: { requestedAt: true } }),
    prisma.lightChange.aggregate({ where, _max: { at: true } }),
    prisma.escalation.aggregate({ where, _max: { at: true } }),
  ]);
  const latest = Math.max(
    requests._max.requestedAt?.getTime() ?? 0,
    lights._max.at?.getTime() ?? 0,
    escalations._max.at?.getTime() ?? 0,
  );
  return latest > 0 ? Math.min(Date.now(), latest) : Date.now();
}

export function unitRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  routes.add(
    'GET',
    '/units',
    'reader',
    async (request, _reply, ctx) => {
      const wanted = (request.query as { set?: string }).set?.trim();
      const sets = await prisma.taskSet.findMany({
        orderBy: { createdAt: 'asc' },
        select: { id: true, name: true, year: true },
      });
      if (wanted && !sets.some((s) => s.id === wanted)) throw new NotFoundError(`没有任务集「${wanted}」`);
      const set = sets.find((s) => s.id === wanted) ?? sets[0];
      if (!set) return unitListPage(ctx, { sets, set: undefined, units: [], summaries: new Map() });
      const units = await prisma.unit.findMany({
        where: { taskSetId: set.id, type: '单位' },
        orderBy: { code: 'asc' },
        select: { id: true, code: true, name: true },
      });
      return unitListPage(ctx, { sets, set, units, summaries: await summaries(prisma, set.id) });
    },
    'units',
  );

  routes.add(
    'GET',
    '/units/:id',
    'reader',
    async (request, _reply, ctx) => {
      const id = rowId((request.params as { id: string }).id);
      const unit = id ? await prisma.unit.findUnique({ where: { id }, include: { taskSet: true } }) : null;
      if (!unit) throw new NotFoundError('没有这个单位。');
      const [assignments, requests, escalations, summary] = await Promise.all([
        prisma.assignment.findMany({
          where: { unitId: unit.id },
          include: {
            task: {
              include: {
                verdict: true,
                lightChanges: { select: { at: true, to: true } },
                // the task's first request: when its year began on the workflow's clock
                requests: { select: { requestedAt: true }, orderBy: { requestedAt: 'asc' }, take: 1 },
              },
            },
          },
          orderBy: { taskId: 'asc' },
        }),
        prisma.request.findMany({
          where: { unitName: unit.name, task: { taskSetId: unit.taskSetId } },
          include: { task: { select: { id: true, seq: true } } },
          orderBy: { dueAt: 'asc' },
        }),
        prisma.escalation.findMany({
          where: { unitName: unit.name, task: { taskSetId: unit.taskSetId } },
          include: { task: { select: { id: true, seq: true } } },
          orderBy: { at: 'asc' },
        }),
        summaries(prisma, unit.taskSetId).then((m) => m.get(unit.name)),
      ]);
      const escalated = new Set(escalations.map((e) => `${e.taskId}|${e.period}`));
      const late = requests.filter(
        (r) =>
          (r.reportedAt && r.reportedAt > dueDayEnd(r.dueAt)) ||
          (!r.reportedAt && escalated.has(`${r.taskId}|${r.period}`)),
      );
      return unitPage(ctx, {
        unit,
        assignments,
        late,
        escalations,
        summary,
        until: await presentOf(prisma, unit.taskSetId),
      });
    },
    'units',
  );
}

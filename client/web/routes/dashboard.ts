// The office's overview:
//   GET /         every part's health, the task sets, and the chosen set's
//                 tasks, filtered by 分组, unit, light, status, overdue and
//                 search text, with the counts by light
//   GET /health   the same health as JSON (monitoring; no session needed)
import type { Prisma } from '../../../lib/db.ts';
import { BadInputError, NotFoundError } from '../../../lib/errors.ts';
import { checkHealth } from '../../health.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { dashboardPage, TASK_STATES, type DashboardFilters } from '../views/dashboard.ts';

const LIGHTS = ['green', 'yellow', 'red'];

function filtersFrom(query: Record<string, string | undefined>): DashboardFilters {
  const f: DashboardFilters = {
    set: query.set?.trim() || undefined,
    group: query.group?.trim() || undefined,
    unit: query.unit?.trim() || undefined,
    light: query.light?.trim() || undefined,
    status: query.status?.trim() || undefined,
    overdue: query.overdue === '1',
    q: query.q?.trim().slice(0, 100) || undefined,
  };
  if (f.light && !LIGHTS.includes(f.light))
    throw new BadInputError(`亮灯筛选「${f.light}」无效：应为 green（绿灯）、yellow（黄灯）或 red（红灯）`);
  if (f.status && !(TASK_STATES as readonly string[]).includes(f.status))
    throw new BadInputError(`状态筛选「${f.status}」无效：应为 ${TASK_STATES.join('、')} 之一`);
  return f;
}

/** Tasks still open with a request past its due date, unreported and already reminded (催办 or 督办). */
async function overdueTaskIds(deps: DeskDeps, taskSetId: string): Promise<Set<number>> {
  const prisma = deps.db.prisma;
  const [open, escalations] = await Promise.all([
    prisma.request.findMany({
      where: { status: 'open', task: { taskSetId, state: { notIn: ['已办结', '已撤销'] } } },
      select: { taskId: true, unitName: true, period: true },
    }),
    prisma.escalation.findMany({
      where: { task: { taskSetId } },
      select: { taskId: true, unitName: true, period: true },
    }),
  ]);
  const escalated = new Set(escalations.map((e) => `${e.taskId}|${e.unitName}|${e.period}`));
  return new Set(
    open.filter((r) => escalated.has(`${r.taskId}|${r.unitName}|${r.period}`)).map((r) => r.taskId),
  );
}

export function dashboardRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  routes.add('GET', '/health', 'anyone', async (_request, reply) => {
    const h = await checkHealth({ config: deps.config, db: deps.db, client: deps.client });
    reply
      .code(h.ok ? 200 : 503)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(h));
  });

  routes.add(
    'GET',
    '/',
    'reader',
    async (request, _reply, ctx) => {
      const filters = filtersFrom(request.query as Record<string, string | undefined>);
      const [health, sets, failing] = await Promise.all([
        checkHealth({ config: deps.config, db: deps.db, client: deps.client }),
        prisma.taskSet.findMany({
          orderBy: { createdAt: 'asc' },
          include: { _count: { select: { tasks: true } } },
        }),
        prisma.addressHealth.findMany({
          where: { failing: true },
          orderBy: { lastBounce: 'desc' },
          take: 100,
        }),
      ]);
      if (filters.set && !sets.some((s) => s.id === filters.set))
        throw new NotFoundError(`没有任务集「${filters.set}」`);
      const current = sets.find((s) => s.id === filters.set) ?? sets[0];
      if (!current) return dashboardPage(ctx, { health, sets, failing, filters, deps });

      const where: Prisma.TaskWhereInput = { taskSetId: current.id };
      if (filters.group) where.group = filters.group;
      if (filters.status) where.state = filters.status;
      if (filters.unit) where.assignments = { some: { active: true, unit: { name: filters.unit } } };
      if (filters.q)
        where.OR = [
          { text: { contains: filters.q, mode: 'insensitive' } },
          { seq: { equals: filters.q } },
          { group: { contains: filters.q, mode: 'insensitive' } },
          { assignments: { some: { active: true, unit: { name: { contains: filters.q } } } } },
        ];
      const overdue = await overdueTaskIds(deps, current.id);
      if (filters.overdue) where.id = { in: [...overdue] };
      const [matching, groups, units] = await Promise.all([
        prisma.task.findMany({
          where,
          include: {
            assignments: { where: { active: true }, include: { unit: { select: { name: true } } } },
          },
        }),
        prisma.task.findMany({
          where: { taskSetId: current.id, group: { not: null } },
          distinct: ['group'],
          select: { group: true },
        }),
        prisma.unit.findMany({
          where: { taskSetId: current.id, type: '单位' },
          orderBy: { code: 'asc' },
          select: { name: true },
        }),
      ]);
      matching.sort(
        (a, b) =>
          (a.sourceRow ?? 0) - (b.sourceRow ?? 0) || a.seq.localeCompare(b.seq, 'zh', { numeric: true }),
      );
      // counts by light over everything but the light filter: the badges are the light filter's choices
      const counts: Record<string, number> = { green: 0, yellow: 0, red: 0 };
      for (const t of matching) counts[t.light] = (counts[t.light] ?? 0) + 1;
      const tasks = filters.light ? matching.filter((t) => t.light === filters.light) : matching;
      return dashboardPage(ctx, {
        health,
        sets,
        failing,
        filters,
        deps,
        current: {
          set: current,
          tasks,
          counts,
          overdue,
          groups: groups.map((g) => g.group!).filter(Boolean),
          units: units.map((u) => u.name),
        },
      });
    },
    'dashboard',
  );
}

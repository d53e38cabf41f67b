// duban status [<taskSetId>]: the task sets with counts by state and light;
// with a set, one line per task (light, state, next due, last report). Reads
// the database projection the workflows keep up to date.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { EXIT_OK, type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError, messageOf } from '../../lib/errors.ts';
import { cadenceLabel, settingsFrom } from '../import/settings.ts';

export const USAGE = [
  '用法：duban status [<taskSetId>] [--json]',
  '  不带参数：每个任务集的任务数、状态、亮灯、报送周期；',
  '  带任务集编号：另列每项任务的亮灯、状态、下次截止和最近报送。只读，不执行迁移。',
].join('\n');
const LIGHT: Record<string, string> = { green: '绿', yellow: '黄', red: '红' };

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const parsed = parseCommandArgs(args, {}, USAGE);
  const [taskSetId, ...extra] = parsed.positionals;
  if (extra.length) throw new BadInputError(USAGE);
  // read-only: status is also an auditor's command, so it applies no migrations
  const db = await openDatabase(loadConfig(), { migrate: false });
  try {
    const sets = await db.prisma.taskSet.findMany({
      where: taskSetId ? { id: taskSetId } : {},
      orderBy: { createdAt: 'asc' },
    });
    if (taskSetId && !sets.length) throw new BadInputError(`没有任务集「${taskSetId}」`, { taskSetId });
    const out = [];
    const lines: string[] = [];
    for (const s of sets) {
      const byState = await db.prisma.task.groupBy({
        by: ['state'],
        where: { taskSetId: s.id },
        _count: true,
      });
      const byLight = await db.prisma.task.groupBy({
        by: ['light'],
        where: { taskSetId: s.id },
        _count: true,
      });
      const verdicts = await db.prisma.verdict.groupBy({
        by: ['final'],
        where: { task: { taskSetId: s.id } },
        _count: true,
      });
      const count = <T extends { _count: number }>(rows: T[], k: keyof T) =>
        Object.fromEntries(rows.map((r) => [r[k] as string, r._count]));
      // a set whose settings are wrong is still listed; the problem is what it shows
      let cadence: { label: string; value?: unknown; problem?: string };
      try {
        const settings = settingsFrom(s.settings, s);
        cadence = { label: cadenceLabel(settings.cadence), value: settings.cadence };
      } catch (err) {
        cadence = { label: '设置有误', problem: messageOf(err) };
      }
      const entry: Record<string, unknown> = {
        taskSetId: s.id,
        name: s.name,
        year: s.year,
        startedAt: s.startedAt?.toISOString() ?? null,
        tasks: byState.reduce((n, r) => n + r._count, 0),
        byState: count(byState, 'state'),
        byLight: count(byLight, 'light'),
        verdicts: count(verdicts, 'final'),
        cadence: cadence.value ?? null,
        cadenceLabel: cadence.label,
        ...(cadence.problem ? { settingsProblem: cadence.problem } : {}),
      };
      lines.push(
        `${s.id}  ${s.name}（${s.year}年）共 ${entry.tasks} 项  报送周期：${cadence.label}` +
          `  状态：${
            Object.entries(entry.byState as object)
              .map(([k, v]) => `${k} ${v}`)
              .join('，') || '—'
          }` +
          `  亮灯：${
            Object.entries(entry.byLight as object)
              .map(([k, v]) => `${LIGHT[k] ?? k} ${v}`)
              .join('，') || '—'
          }` +
          (verdicts.length
            ? `  评定：${Object.entries(entry.verdicts as object)
                .map(([k, v]) => `${k} ${v}`)
                .join('，')}`
            : ''),
      );
      if (cadence.problem) lines.push(`  ${cadence.problem}`);
      if (taskSetId) {
        const tasks = await db.prisma.task.findMany({
          where: { taskSetId: s.id },
          include: {
            assignments: { where: { active: true, role: 'lead' }, include: { unit: true } },
            verdict: true,
          },
          orderBy: { id: 'asc' },
        });
        entry.rows = tasks.map((t) => ({
          seq: t.seq,
          category: t.category,
          task: t.text,
          leadUnits: t.assignments.map((a) => a.unit.name),
          state: t.state,
          light: t.light,
          nextDue: day(t.nextDue),
          lastReport: t.lastReport,
          verdict: t.verdict?.final ?? null,
          workflowId: t.workflowId,
        }));
        lines.push('');
        lines.push('序号   灯  状态    下次截止    任务 / 最近报送');
        for (const t of tasks) {
          lines.push(
            `${t.seq.padEnd(5)}  ${LIGHT[t.light] ?? t.light}  ${t.state.padEnd(4, '　')}  ${(day(t.nextDue) ?? '—').padEnd(10)}  ` +
              `${t.text.length > 28 ? t.text.slice(0, 28) + '…' : t.text}${t.verdict ? `【${t.verdict.final}】` : ''}` +
              (t.lastReport
                ? `\n${' '.repeat(30)}${t.lastReport.length > 60 ? t.lastReport.slice(0, 60) + '…' : t.lastReport}`
                : ''),
          );
        }
      }
      out.push(entry);
    }
    if (!sets.length) lines.push('还没有任务集：先 duban import（或 duban seed 载入示例）');
    ctx.result(taskSetId ? out[0] : { taskSets: out }, lines.join('\n'));
    return EXIT_OK;
  } finally {
    await db.close();
  }
}

// duban start <taskSetId>: one workflow per task of the set, with a progress
// bar. Safe to repeat: tasks whose workflow exists are counted, not restarted.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { EXIT_OK, type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';
import { progress } from '../progress.ts';
import { startTaskSet } from '../start/start-task-set.ts';
import { settingsFrom } from '../import/settings.ts';

export const USAGE = [
  '用法：duban start <taskSetId> [--json]',
  '  为任务集的每项任务启动督办工作流（交办通知随即发出）；再次执行不会重复启动。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const parsed = parseCommandArgs(args, {}, USAGE);
  const [taskSetId, ...extra] = parsed.positionals;
  if (!taskSetId || extra.length) throw new BadInputError(USAGE);
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const set = await db.prisma.taskSet.findUnique({
      where: { id: taskSetId },
      include: { _count: { select: { tasks: true } } },
    });
    if (!set) {
      const known = (await db.prisma.taskSet.findMany({ select: { id: true } })).map((s) => s.id);
      throw new BadInputError(
        `没有任务集「${taskSetId}」${known.length ? `；已有：${known.join('、')}` : '；请先 duban import'}`,
        {
          taskSetId,
          known,
        },
      );
    }
    // a set whose settings are wrong is told before anything connects or starts
    settingsFrom(set.settings, set);
    const client = await connectClient(config);
    try {
      const bar = progress(`启动 ${taskSetId}`, set._count.tasks);
      const r = await startTaskSet(client, db.prisma, taskSetId, config, (done, total) => {
        bar.total(total);
        bar.tick();
        void done;
      });
      bar.done(`已启动 ${r.started} 项，已在运行 ${r.alreadyStarted} 项`);
      ctx.result(
        { taskSetId, tasks: r.tasks, started: r.started, alreadyStarted: r.alreadyStarted },
        `任务集 ${taskSetId}：共 ${r.tasks} 项任务，新启动 ${r.started} 项，已有工作流 ${r.alreadyStarted} 项。\n` +
          `在 Temporal 界面中按 DubanTaskSet="${taskSetId}" 筛选即可查看。`,
      );
      return EXIT_OK;
    } finally {
      await client.connection.close();
    }
  } finally {
    await db.close();
  }
}

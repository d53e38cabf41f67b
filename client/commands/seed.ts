// duban seed: imports the 沙坪坝 2022 sample (data/sample/shapingba-2022) when
// the database has no task set yet. Safe to rerun; fails loudly.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { EXIT_OK, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';
import { ensureSampleImported, SAMPLE_DIR } from '../import/index.ts';

export const USAGE = [
  '用法：duban seed [--json]',
  '  数据库中还没有任务集时，载入示例任务集（沙坪坝区 2022 年分解表）；可重复执行。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  if (args.length) throw new BadInputError(`${USAGE}\n（不需要其他参数）`);
  const db = await openDatabase(loadConfig());
  try {
    const r = await ensureSampleImported(db);
    const counts = await db.prisma.task.count({ where: { taskSetId: r.taskSetId } });
    ctx.result(
      { ...r, tasks: counts, source: SAMPLE_DIR },
      r.imported
        ? `已载入示例任务集 ${r.taskSetId}（${counts} 项任务），来源 ${SAMPLE_DIR}`
        : `数据库已有任务集（${r.taskSetId}，${counts} 项任务），未重复载入示例`,
    );
    return EXIT_OK;
  } finally {
    await db.close();
  }
}

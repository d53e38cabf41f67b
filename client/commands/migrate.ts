// `duban migrate`: apply pending migrations to the configured database
// (embedded PGlite, or PostgreSQL through DATABASE_URL) with Prisma's bookkeeping.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE = [
  '用法：duban migrate [--json]',
  '  对配置的数据库（DATABASE_URL 指向的 PostgreSQL，或内嵌 PGlite）执行尚未执行的迁移；可重复执行。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  if (parseCommandArgs(args, {}, USAGE).positionals.length) throw new BadInputError(USAGE);
  const db = await openDatabase(loadConfig());
  try {
    const m = db.migrations!;
    ctx.result(
      { database: db.location, kind: db.kind, applied: m.applied, alreadyApplied: m.alreadyApplied },
      `${db.location}：新执行 ${m.applied.length} 个迁移${m.applied.length ? `（${m.applied.join('、')}）` : ''}，已有 ${m.alreadyApplied.length} 个`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

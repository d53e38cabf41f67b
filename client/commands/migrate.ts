// `duban migrate`: apply pending migrations to the configured database
// (embedded PGlite, or PostgreSQL through DATABASE_URL) with Prisma's bookkeeping.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import type { CommandContext } from '../output.ts';

export async function run(_args: string[], ctx: CommandContext): Promise<number> {
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

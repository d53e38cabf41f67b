// Applies prisma/migrations/*/migration.sql in order, keeping Prisma's own
// `_prisma_migrations` bookkeeping (same table, same sha256 checksums), so the
// database looks exactly as if `prisma migrate deploy` had run. We need our own
// runner because `prisma migrate deploy` through @prisma/adapter-pg fails on
// PostgreSQL (prisma/orm#27403) and there is no native engine offline.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

/** The least a SQL connection must offer: PGlite and node-postgres both fit. */
export interface SqlRunner {
  /** runs one or more statements, no parameters */
  exec(sql: string): Promise<unknown>;
  /** one statement with $1… parameters, returning rows */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// The same advisory-lock key Prisma's schema engine uses, so two migrators
// (ours or Prisma's) never run at once against one database.
const LOCK_KEY = 72707369;

export function listMigrations(dir = migrationsDir): { name: string; sql: string; checksum: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export async function applyMigrations(db: SqlRunner, dir = migrationsDir): Promise<MigrationResult> {
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  await db.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await db.exec(BOOKKEEPING);
    const { rows } = await db.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
    const done = new Map(
      rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]),
    );
    const failed = rows.find((r) => !r.finished_at && !r.rolled_back_at);
    if (failed) {
      throw new MigrationError(
        `迁移 ${failed.migration_name} 上次未完成，请检查数据库后手动处理（_prisma_migrations 表）`,
      );
    }
    for (const m of listMigrations(dir)) {
      const seen = done.get(m.name);
      if (seen) {
        if (seen !== m.checksum) {
          throw new MigrationError(
            `迁移 ${m.name} 已应用，但文件内容已被修改（校验和不一致）；请新建迁移，不要修改已应用的迁移`,
          );
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      const id = randomUUID();
      try {
        await db.exec('BEGIN');
        await db.exec(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [id, m.checksum, m.name],
        );
        await db.exec('COMMIT');
      } catch (err) {
        await db.exec('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`应用迁移 ${m.name} 失败：${(err as Error).message}`, { cause: err });
      }
      result.applied.push(m.name);
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
  return result;
}

// A fresh PostgreSQL database per test file on the machine's real server
// (127.0.0.1:5432, trust auth), migrated with our own runner, dropped after.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openPostgres, type Database } from '../../lib/db.ts';
import { applyMigrations } from '../../prisma/migrate.ts';

export const PG_ADMIN_URL = process.env.DUBAN_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends Database {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'duban_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  await applyMigrations(db.sql);
  return {
    ...db,
    url: url.toString(),
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

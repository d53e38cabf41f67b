// A throw-away database on a PostgreSQL server for `duban simulate --pg`:
// created empty under a random name (the stack migrates it), dropped with
// everything in it when the rehearsal ends. Faster than PGlite in the
// process: the database's work runs in the server's own processes instead of
// WASM on the thread that also runs the worker's activities.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openPostgres, type Database } from '../../lib/db.ts';
import { UnavailableError } from '../../lib/errors.ts';
import { failureWords } from '../failure-words.ts';

export async function createThrowawayPostgres(adminUrl: string): Promise<Database> {
  const name = `duban_simulate_${randomBytes(5).toString('hex')}`;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      return await fn(c);
    } catch (err) {
      const safe = new URL(adminUrl);
      safe.password = '';
      const code = (err as { code?: string }).code;
      const why = failureWords(err) ?? `数据库错误${code ? `（代码 ${code}）` : ''}`;
      throw new UnavailableError(`无法在 PostgreSQL（${safe.toString()}）上建立或删除临时数据库：${why}`, {
        code,
      });
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 8);
  return {
    ...db,
    async close() {
      await db.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

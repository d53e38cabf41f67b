// A throw-away database on a PostgreSQL server for `duban simulate --pg`:
// created empty under a random name (the stack migrates it), dropped with
// everything in it when the rehearsal ends. Faster than PGlite in the
// process: the database's work runs in the server's own processes instead of
// WASM on the thread that also runs the worker's activities.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openPostgres, type Database } from '../../lib/db.ts';
import { UnavailableError } from '../../lib/errors.ts';

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
      throw new UnavailableError(
        `无法在 PostgreSQL（${safe.toString()}）上建立或删除临时数据库：${why(err)}`,
        {
          code: (err as { code?: string }).code,
        },
      );
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

/** Why, in Chinese, by the error's code (never the driver's English text). */
function why(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  const words: Record<string, string> = {
    ECONNREFUSED: '连接被拒绝（服务器没有运行，或端口不对）',
    ENOTFOUND: '找不到该主机',
    ETIMEDOUT: '连接超时',
    ECONNRESET: '连接被服务器断开',
    '28P01': '用户名或密码不对',
    '28000': '服务器不允许该用户连接',
    '3D000': '地址中的数据库不存在',
    '42501': '该用户没有建库（CREATE DATABASE）权限',
    '53300': '服务器连接数已满',
    '57P03': '服务器正在启动或关闭',
  };
  return words[code] ?? `数据库错误${code ? `（代码 ${code}）` : ''}`;
}

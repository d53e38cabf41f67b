// Opens Duban's database: PostgreSQL when DATABASE_URL is set (production and
// the integration tests), otherwise the embedded PGlite (Postgres in WASM)
// under DUBAN_HOME/pgdata. Both get the same schema and migrations.
//
// PGlite is one process's database. `duban up` owns it and also serves it on a
// loopback port (pglite-socket), writing that port to pgdata.server.json; any
// other duban command then connects through that port as if it were
// PostgreSQL. With no `duban up` running, a command opens the files itself,
// guarded by a lock file so two processes never open them at once.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
// PGlite (a WASM Postgres, ~0.25 s of CPU to load) and its socket server and
// Prisma adapter are imported when an embedded database is opened: a command
// run against DATABASE_URL (production, the tests) never loads them.
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, type MigrationResult, type SqlRunner } from '../prisma/migrate.ts';
import { debugEnabled, type Config } from './config.ts';
import { ConflictError } from './errors.ts';

export type { PrismaClient } from '../generated/prisma/client.ts';
export { Prisma } from '../generated/prisma/client.ts';

export interface Database {
  prisma: PrismaClient;
  /** raw SQL on the same database (migrations, health checks, bulk work) */
  sql: SqlRunner;
  kind: 'postgresql' | 'pglite' | 'pglite-socket';
  /** where it is, for people: a URL without password, or a folder */
  location: string;
  close(): Promise<void>;
}

/** Another process holds the embedded database's files. */
export class DatabaseBusyError extends ConflictError {
  constructor(dir: string, pid: number) {
    super(
      `嵌入式数据库 ${dir} 正被进程 ${pid} 使用；请先结束它，或在 duban up 运行时再执行本命令（将经由其端口连接）`,
      { dir, pid },
    );
  }
}

export interface OpenOptions {
  /** apply pending migrations first (default true) */
  migrate?: boolean;
  /** embedded only: serve the database to other processes on this port (duban up) */
  servePort?: number;
}

export async function openDatabase(
  config: Config,
  options: OpenOptions = {},
): Promise<Database & { migrations?: MigrationResult }> {
  const db = config.database.url
    ? await openPostgres(config.database.url)
    : await openEmbedded(config.database.embeddedDir, options.servePort);
  if (options.migrate !== false) {
    try {
      return Object.assign(db, { migrations: await applyMigrations(db.sql) });
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

export async function openPostgres(url: string, max = 5): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection the server closes (restart, DROP DATABASE … FORCE,
  // failover) emits 'error' on the pool; unheard, it would crash the process.
  // The pool drops that connection and opens a new one on the next query.
  pool.on('error', (err) => {
    if (debugEnabled()) process.stderr.write(`数据库空闲连接断开：${err.message}\n`);
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const safe = new URL(url);
  safe.password = '';
  return {
    prisma,
    sql: poolRunner(pool),
    kind: 'postgresql',
    location: safe.toString(),
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * A runner that keeps one connection for a migration's BEGIN…COMMIT: a pool
 * would hand each statement to a different connection.
 */
function poolRunner(pool: pg.Pool): SqlRunner {
  let held: pg.PoolClient | undefined;
  let depth = 0;
  return {
    async exec(sql) {
      const trimmed = sql.trim().toUpperCase();
      if (trimmed === 'BEGIN') {
        held ??= await pool.connect();
        depth++;
      }
      const client = held ?? pool;
      try {
        return await client.query(sql);
      } finally {
        if ((trimmed === 'COMMIT' || trimmed === 'ROLLBACK') && held && --depth === 0) {
          held.release();
          held = undefined;
        }
      }
    },
    async query(sql, params) {
      const res = await (held ?? pool).query(sql, params as unknown[]);
      return { rows: res.rows };
    },
  };
}

/** Whether a process with this pid still runs (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ServerInfo {
  pid: number;
  port: number;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function openEmbedded(dir: string, servePort?: number): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const serverFile = `${dir}.server.json`;
  const lockFile = `${dir}.lock`;
  const server = readJson<ServerInfo>(serverFile);
  if (server && server.pid !== process.pid && pidAlive(server.pid) && servePort === undefined) {
    // `duban up` is running: talk to its socket. PGlite serves one query at a
    // time, so one connection is all we ask for.
    const url = `postgresql://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`;
    const db = await openPostgres(url, 1);
    return { ...db, kind: 'pglite-socket', location: `${dir}（经 duban up 的端口 ${server.port}）` };
  }

  const lock = readJson<{ pid: number }>(lockFile);
  if (lock && lock.pid !== process.pid && pidAlive(lock.pid)) throw new DatabaseBusyError(dir, lock.pid);
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid }));

  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  let socket: PGLiteSocketServer | undefined;
  if (servePort !== undefined) {
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    socket = new PGLiteSocketServer({
      db: pglite,
      host: '127.0.0.1',
      port: servePort,
      maxConnections: 8,
    } as ConstructorParameters<typeof PGLiteSocketServer>[0]);
    await socket.start();
    writeFileSync(serverFile, JSON.stringify({ pid: process.pid, port: servePort } satisfies ServerInfo));
  }
  return await pgliteDatabase(
    pglite,
    path.resolve(dir),
    async () => {
      if (socket) {
        await socket.stop();
        rmSync(serverFile, { force: true });
      }
    },
    () => {
      if (existsSync(lockFile) && readJson<{ pid: number }>(lockFile)?.pid === process.pid)
        rmSync(lockFile, { force: true });
    },
  );
}

/** A PGlite in memory: nothing on disk (simulate, throw-away runs). */
export async function openInMemory(): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite();
  await pglite.waitReady;
  return await pgliteDatabase(pglite, 'memory://');
}

async function pgliteDatabase(
  pglite: PGlite,
  location: string,
  beforeClose?: () => Promise<void>,
  afterClose?: () => void,
): Promise<Database> {
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  // pglite-prisma-adapter 0.6 is typed against driver-adapter-utils 6.10; the
  // protocol is the same in 6.19 (the integration tests run on it), only the
  // nominal types differ.
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as unknown as PrismaPg });
  return {
    prisma,
    sql: {
      exec: (sql) => pglite.exec(sql),
      query: async (sql, params) => ({
        rows: (await pglite.query(sql, params as unknown[])).rows as never[],
      }),
    },
    kind: 'pglite',
    location,
    async close() {
      await beforeClose?.();
      await prisma.$disconnect();
      await pglite.close();
      afterClose?.();
    },
  };
}

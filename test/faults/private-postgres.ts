// A private PostgreSQL cluster for the fault that stops the database: initdb
// from /usr/lib/postgresql/*/bin into a temporary folder, on a free port, so
// a case can stop and start it while Duban runs. The machine's PostgreSQL is
// never touched. As root, the server runs as the postgres user (initdb and
// postgres refuse root).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/ports.ts';
import { openPostgres } from '../../lib/db.ts';
import { applyMigrations } from '../../prisma/migrate.ts';
import type { TestDatabase } from '../helpers/postgres.ts';

export interface PrivatePostgres {
  url: string;
  /** a migrated database of this cluster, as test/helpers/postgres.ts gives one */
  db: TestDatabase;
  /** stops the server at once (immediate mode: no checkpoint, clients cut off) */
  stop(): void;
  start(): void;
}

export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('找不到 /usr/lib/postgresql/*/bin/initdb');
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, tool), args, { stdio: 'pipe' });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query('CREATE DATABASE duban');
  await c.end();
  const url = `postgresql://postgres@127.0.0.1:${port}/duban`;
  const opened = await openPostgres(url);
  await applyMigrations(opened.sql);
  const db: TestDatabase = {
    ...opened,
    url,
    async drop() {
      await opened.close();
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { url, db, stop: () => void stop(), start: () => void start() };
}

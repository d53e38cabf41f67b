// The same migration files on both databases, with Prisma's bookkeeping.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { applyMigrations, listMigrations, migrationsDir, MigrationError } from '../../prisma/migrate.ts';
import { openDatabase } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';

const tables = [
  'TaskSet',
  'Unit',
  'Task',
  'Assignment',
  'Request',
  'Report',
  'Escalation',
  'LightChange',
  'Verdict',
  'InboundMessage',
  'SentMail',
  'AuditEvent',
];

describe('migrations on PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it('creates every table, records each migration as Prisma does, and a rerun applies nothing', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const { rows } = await db.sql.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const names = rows.map((r) => r.table_name);
    for (const t of tables) expect(names).toContain(t);
    const book = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date }>(
      'SELECT * FROM "_prisma_migrations"',
    );
    const files = listMigrations();
    expect(book.rows.map((r) => r.migration_name).sort()).toEqual(files.map((f) => f.name));
    expect(book.rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    expect(new Set(book.rows.map((r) => r.checksum))).toEqual(new Set(files.map((f) => f.checksum)));
    const again = await applyMigrations(db.sql);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toHaveLength(files.length);
    // and Prisma Client works on it
    await db.prisma.taskSet.create({
      data: { id: 't-1', name: '测试', year: 2022, sourceFile: 'x.csv', sourceHash: 'h' },
    });
    expect(await db.prisma.taskSet.count()).toBe(1);
  });

  it('refuses to continue when an applied migration file was edited', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-mig-'));
    cpSync(migrationsDir, dir, { recursive: true });
    const first = listMigrations(dir)[0]!;
    writeFileSync(path.join(dir, first.name, 'migration.sql'), first.sql + '\n-- edited\n');
    await expect(applyMigrations(db.sql, dir)).rejects.toThrow(MigrationError);
    await expect(applyMigrations(db.sql, dir)).rejects.toThrow(/校验和/);
  });

  it('rolls back a failing migration whole and names it', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-mig-'));
    cpSync(migrationsDir, dir, { recursive: true });
    mkdirSync(path.join(dir, '99999999999999_broken'));
    writeFileSync(
      path.join(dir, '99999999999999_broken', 'migration.sql'),
      'CREATE TABLE "Half" (id int);\nSELECT no_such_function();\n',
    );
    await expect(applyMigrations(db.sql, dir)).rejects.toThrow(/99999999999999_broken/);
    const { rows } = await db.sql.query('SELECT to_regclass(\'"Half"\') AS t');
    expect(rows[0]).toEqual({ t: null });
  });
});

describe('migrations on embedded PGlite', () => {
  it('migrates a new DUBAN_HOME, and data survives closing and reopening', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'duban-pglite-'));
    const config = loadConfig({ DUBAN_HOME: home });
    const db = await openDatabase(config);
    expect(db.kind).toBe('pglite');
    expect(db.migrations?.applied).toEqual(listMigrations().map((m) => m.name));
    await db.prisma.taskSet.create({
      data: { id: 'keep', name: '保留', year: 2022, sourceFile: 'a.csv', sourceHash: 'h' },
    });
    await db.close();
    const again = await openDatabase(config);
    expect(again.migrations?.applied).toEqual([]);
    expect((await again.prisma.taskSet.findUniqueOrThrow({ where: { id: 'keep' } })).name).toBe('保留');
    await again.close();
  });
});

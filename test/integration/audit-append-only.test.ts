// The audit table is append-only in the database itself, on PostgreSQL and on
// PGlite (what `duban up` runs on): UPDATE, DELETE and TRUNCATE are refused by
// triggers, whoever asks; rows are hash-chained, so an edit made with the
// triggers switched off (a superuser) is named by the chain check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { openEmbedded, type Database } from '../../lib/db.ts';
import { applyMigrations, listMigrations, migrationsDir } from '../../prisma/migrate.ts';
import { verifyAuditChain } from '../../client/audit/chain.ts';

async function writeSome(db: Database): Promise<number[]> {
  const one = await db.prisma.auditEvent.create({
    data: { actor: '张三', action: 'task.extend', workflowId: 'duban/s/1', details: { to: '2022-09-30' } },
  });
  // several rows in one statement chain one after another
  await db.prisma.auditEvent.createMany({
    data: [
      { actor: '李四', action: 'auth.sign-in' },
      { actor: '李四', action: 'report.download', taskSetId: 's', details: { format: 'xlsx' } },
      { actor: '王五', action: 'task.verdict', workflowId: 'duban/s/2', details: { verdict: '完成' } },
    ],
  });
  const rows = await db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });
  expect(rows[0]!.id).toBe(one.id);
  return rows.map((r) => r.id);
}

function refusals(label: string, get: () => Database) {
  describe(label, () => {
    let ids: number[];
    beforeAll(async () => {
      ids = await writeSome(get());
    });

    it('chains every row it takes', async () => {
      const { rows } = await get().sql.query<{ chainPos: number; prevHash: string | null; hash: string }>(
        'SELECT "chainPos", "prevHash", "hash" FROM "AuditEvent" ORDER BY "chainPos"',
      );
      expect(rows.map((r) => r.chainPos)).toEqual([1, 2, 3, 4]);
      expect(rows[0]!.prevHash).toBeNull();
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
      const check = await verifyAuditChain(get().sql);
      expect(check).toMatchObject({ rows: 4, breaks: [], head: rows[3]!.hash });
    });

    it('refuses an UPDATE, through Prisma and in SQL', async () => {
      await expect(
        get().prisma.auditEvent.update({ where: { id: ids[0]! }, data: { actor: '某人' } }),
      ).rejects.toThrow(/append-only/);
      await expect(get().sql.exec(`UPDATE "AuditEvent" SET "details" = '{}'`)).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
      const row = await get().prisma.auditEvent.findUniqueOrThrow({ where: { id: ids[0]! } });
      expect(row).toMatchObject({ actor: '张三', details: { to: '2022-09-30' } });
    });

    it('refuses a DELETE and a TRUNCATE', async () => {
      await expect(get().prisma.auditEvent.delete({ where: { id: ids[1]! } })).rejects.toThrow(/append-only/);
      await expect(get().prisma.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
      await expect(get().sql.exec(`DELETE FROM "AuditEvent" WHERE "id" = ${ids[2]!}`)).rejects.toThrow(
        /append-only: DELETE refused/,
      );
      await expect(get().sql.exec('TRUNCATE "AuditEvent"')).rejects.toThrow(/append-only: TRUNCATE refused/);
      expect(await get().prisma.auditEvent.count()).toBe(4);
    });

    it('names a row edited and a row deleted with the triggers switched off', async () => {
      const db = get();
      await db.sql.exec('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER');
      try {
        await db.sql.exec(
          `UPDATE "AuditEvent" SET "details" = '{"verdict":"部分完成"}' WHERE "id" = ${ids[3]!}`,
        );
        await db.sql.exec(`DELETE FROM "AuditEvent" WHERE "id" = ${ids[1]!}`);
      } finally {
        await db.sql.exec('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
      }
      const check = await verifyAuditChain(db.sql);
      expect(check.breaks.map((b) => b.what)).toEqual([
        `操作记录第 2 条被删除（#${ids[0]!} 之后、操作记录 #${ids[2]!}（李四，report.download）之前）`,
        `操作记录 #${ids[3]!}（王五，task.verdict）的内容被改动（哈希不符）`,
      ]);
    });
  });
}

describe('the audit table is append-only', () => {
  let pgdb: TestDatabase;
  let dir: string;
  let lite: Database;
  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'duban-audit-lite-'));
    lite = await openEmbedded(path.join(dir, 'pgdata'));
    await applyMigrations(lite.sql);
  }, 60_000);
  afterAll(async () => {
    await pgdb?.drop();
    await lite?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('chains the rows written before the migration, in id order', async () => {
    const old = mkdtempSync(path.join(tmpdir(), 'duban-audit-mig-'));
    const before = listMigrations().filter((m) => m.name < '20261122080000');
    for (const m of before)
      cpSync(path.join(migrationsDir, m.name), path.join(old, m.name), { recursive: true });
    const db = await openEmbedded(path.join(old, 'pgdata'));
    try {
      await applyMigrations(db.sql, old);
      for (const actor of ['甲', '乙', '丙'])
        await db.sql.query('INSERT INTO "AuditEvent" ("actor", "action") VALUES ($1, $2)', [
          actor,
          'user.add',
        ]);
      await applyMigrations(db.sql);
      await db.prisma.auditEvent.create({ data: { actor: '丁', action: 'auth.sign-in' } });
      const check = await verifyAuditChain(db.sql);
      expect(check).toMatchObject({ rows: 4, breaks: [] });
      await expect(db.sql.exec('DELETE FROM "AuditEvent"')).rejects.toThrow(/append-only/);
    } finally {
      await db.close();
      rmSync(old, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps one chain under writers running at once (PostgreSQL, several connections)', async () => {
    const db = await createTestDatabase();
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          db.prisma.$transaction(async (tx) => {
            await tx.auditEvent.create({ data: { actor: `写入者${i}`, action: 'auth.sign-in' } });
            await tx.auditEvent.create({ data: { actor: `写入者${i}`, action: 'auth.sign-out' } });
          }),
        ),
      );
      const check = await verifyAuditChain(db.sql);
      expect(check).toMatchObject({ rows: 80, breaks: [] });
    } finally {
      await db.drop();
    }
  }, 60_000);

  refusals('on PostgreSQL', () => pgdb);
  refusals('on PGlite', () => lite);
});

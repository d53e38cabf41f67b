// `duban import` and `duban seed` as a person runs them: a child process on a
// real PostgreSQL database, JSON on stdout, progress and messages on stderr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { duban } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { writeSyntheticTables } from '../fixtures/import/synthetic.ts';
import type { ImportResult } from '../../client/import/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => path.join(root, 'test/fixtures/import', name);
let db: TestDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(tmpdir(), 'duban-import-cli-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[]) {
  return duban(args, {
    env: {
      DATABASE_URL: db.url,
      TOKEN_SECRET: 'import-cli-test-secret-0123456789abcdef',
      DUBAN_HOME: path.join(tmp, 'home'),
    },
  });
}

describe('duban import', () => {
  it('imports 50,000 rows with progress on stderr and bounded memory', async () => {
    const files = await writeSyntheticTables(tmp, 50_000);
    const run = await cli([
      'import',
      files.tasksFile,
      '--units',
      files.unitsFile,
      '--year',
      '2022',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as ImportResult;
    expect(r).toMatchObject({
      tasks: 50_000,
      byCategory: { 预期目标: 5_000, 重点工作: 45_000 },
      units: 201,
      errors: [],
      applied: true,
    });
    expect(await db.prisma.task.count({ where: { taskSetId: r.taskSetId } })).toBe(50_000);
    // Progress: the reading bar reaches 100%, then the writing bar.
    expect(run.stderr).toMatch(/读取 tasks-50000\.csv 100%/);
    expect(run.stderr).toMatch(/写入数据库 100% \(50000\/50000\)/);
    // The CSV is streamed: the process grows by far less than 50,000 rows of
    // objects read whole would need. Measured here: ~170 MB (peak RSS minus RSS at start).
    const growth = r.stats.peakRssMb - r.stats.rssStartMb;
    console.log(
      `50,000 rows: ${r.stats.durationMs} ms, ${r.stats.rowsPerSecond} rows/s, RSS ${r.stats.rssStartMb} → peak ${r.stats.peakRssMb} MB`,
    );
    expect(growth).toBeGreaterThan(0);
    expect(growth).toBeLessThan(500);
  }, 180_000);

  it('a table with errors: exit 2, every error in the JSON, nothing written', async () => {
    const run = await cli([
      'import',
      fixture('many-errors.csv'),
      '--units',
      fixture('units.csv'),
      '--year',
      '2022',
      '--json',
    ]);
    expect(run.code).toBe(2);
    const r = JSON.parse(run.stdout) as ImportResult;
    expect(r.errors).toHaveLength(5);
    for (const e of r.errors)
      expect(Object.keys(e).sort()).toEqual(['column', 'file', 'message', 'row', 'value']);
    expect(await db.prisma.taskSet.findUnique({ where: { id: r.taskSetId } })).toBeNull();
    const human = await cli([
      'import',
      fixture('many-errors.csv'),
      '--units',
      fixture('units.csv'),
      '--year',
      '2022',
    ]);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain('导入失败，未写入任何数据。共 5 处错误');
    expect(human.stdout).toContain(
      'many-errors.csv 第 3 行 「牵头单位」列（值：区发改委）：单位名录中没有「区发改委」；最接近的是：区发展改革委',
    );
  }, 60_000);

  it('an edited table is shown, and applied only with --apply', async () => {
    const args = ['--units', fixture('units.csv'), '--year', '2022', '--id', '2022-cli-diff'];
    expect((await cli(['import', fixture('base.csv'), ...args])).code).toBe(0);
    const preview = await cli(['import', fixture('edited.csv'), ...args]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('加 --apply 应用');
    expect(preview.stdout).toContain('新增任务 1 项：5');
    expect(preview.stdout).toContain('修改任务 2 项：1（工作任务）、2（完成时限、配合单位）');
    expect(preview.stdout).toContain('删除任务 1 项：4');
    expect(await db.prisma.task.count({ where: { taskSetId: '2022-cli-diff', seq: '5' } })).toBe(0);
    const applied = await cli(['import', fixture('edited.csv'), ...args, '--apply', '--json']);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      applied: true,
      diff: { added: ['5'], removed: ['4'] },
    });
    expect(await db.prisma.task.count({ where: { taskSetId: '2022-cli-diff', seq: '5' } })).toBe(1);
  }, 60_000);

  it('bad arguments: exit 2 with the usage', async () => {
    const run = await cli(['import', fixture('base.csv'), '--year', '2022']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('缺少 --units');
  }, 30_000);
});

describe('duban seed', () => {
  it('loads the sample only when the database has no task set', async () => {
    // This database already holds task sets from the tests above: seed leaves it alone.
    const run = await cli(['seed', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: false });
    expect(await db.prisma.taskSet.findUnique({ where: { id: '2022-shapingba' } })).toBeNull();

    const empty = await createTestDatabase();
    try {
      const child = await duban(['seed', '--json'], {
        env: { DATABASE_URL: empty.url, TOKEN_SECRET: 'import-cli-test-secret-0123456789abcdef' },
      });
      expect(child.code).toBe(0);
      expect(JSON.parse(child.stdout)).toMatchObject({
        taskSetId: '2022-shapingba',
        imported: true,
        tasks: 141,
      });
    } finally {
      await empty.drop();
    }
  }, 60_000);
});

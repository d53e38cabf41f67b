// The import against a real PostgreSQL database (one fresh database per file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import {
  ensureSampleImported,
  importTables,
  SAMPLE_DIR,
  SAMPLE_TASK_SET_ID,
} from '../../client/import/index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
const units = fixture('units.csv');
let db: TestDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(tmpdir(), 'duban-import-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The sample's units per task straight from the CSV, groups left out (they are not mailboxes). */
function sampleExpectations() {
  const unitLines = readFileSync(path.join(SAMPLE_DIR, 'units.csv'), 'utf8').trim().split('\n').slice(1);
  const groups = new Set(
    unitLines
      .map((l) => l.split(','))
      .filter((c) => c[2] === '集合')
      .map((c) => c[1]),
  );
  const expected = new Map<string, { lead: string[]; co: string[] }>();
  const text = readFileSync(path.join(SAMPLE_DIR, 'tasks.csv'), 'utf8');
  // The sample quotes only the task text; the last three fields never contain commas.
  for (const line of text.trim().split('\n').slice(1)) {
    const fields = line.split(',');
    const [co, lead] = [fields.at(-2)!, fields.at(-3)!];
    const names = (cell: string) => cell.split('、').filter((n) => n && !groups.has(n));
    expected.set(fields[0]!, { lead: names(lead), co: names(co) });
  }
  return expected;
}

describe('the 沙坪坝 2022 sample', () => {
  it('imports with 0 errors: 141 tasks, 10 预期目标 and 131 重点工作, every lead and co-unit resolved', async () => {
    const first = await ensureSampleImported(db);
    expect(first).toEqual({ taskSetId: SAMPLE_TASK_SET_ID, imported: true });

    const tasks = await db.prisma.task.findMany({
      where: { taskSetId: SAMPLE_TASK_SET_ID },
      include: { assignments: { include: { unit: true } } },
    });
    expect(tasks).toHaveLength(141);
    expect(tasks.filter((t) => t.category === '预期目标')).toHaveLength(10);
    expect(tasks.filter((t) => t.category === '重点工作')).toHaveLength(131);
    expect(await db.prisma.unit.count({ where: { taskSetId: SAMPLE_TASK_SET_ID } })).toBe(95);

    const expected = sampleExpectations();
    expect(expected.size).toBe(141);
    for (const t of tasks) {
      const e = expected.get(t.seq)!;
      const names = (role: string) =>
        t.assignments
          .filter((a) => a.role === role)
          .map((a) => a.unit.name)
          .sort();
      expect({ seq: t.seq, lead: names('lead'), co: names('co') }).toEqual({
        seq: t.seq,
        lead: [...e.lead].sort(),
        co: [...e.co].sort(),
      });
      expect(t.workflowId).toBe(`duban/${SAMPLE_TASK_SET_ID}/${t.seq}`);
      expect(t.deadline.toISOString().slice(0, 10)).toBe('2022-12-31');
      expect(t.state).toBe('未启动');
    }
    const t9 = tasks.find((t) => t.seq === '9')!;
    expect(t9).toMatchObject({ group: '建好环大学创新生态圈', sourceRow: 20 });
    const lead = await db.prisma.unit.findFirstOrThrow({
      where: { taskSetId: SAMPLE_TASK_SET_ID, name: '区科技局' },
    });
    expect(lead).toMatchObject({
      code: 'U044',
      type: '单位',
      emails: ['u044@units.spb.test'],
      leaderEmails: ['leader-u044@spb.test'],
    });
    expect(lead.attributes).toEqual({ 类型: '区级部门' });
    const group = await db.prisma.unit.findFirstOrThrow({
      where: { taskSetId: SAMPLE_TASK_SET_ID, name: '各镇街' },
    });
    expect(group).toMatchObject({ type: '集合', emails: [], members: [] });
    expect(
      await db.prisma.auditEvent.count({ where: { taskSetId: SAMPLE_TASK_SET_ID, action: 'import.create' } }),
    ).toBe(1);
  });

  it('the JSON summary says so, and re-importing the same table changes nothing', async () => {
    const before = await db.prisma.task.findMany({
      where: { taskSetId: SAMPLE_TASK_SET_ID },
      orderBy: { id: 'asc' },
    });
    const r = await importTables(db, {
      tasksFile: path.join(SAMPLE_DIR, 'tasks.csv'),
      unitsFile: path.join(SAMPLE_DIR, 'units.csv'),
      year: 2022,
      id: SAMPLE_TASK_SET_ID,
      apply: true,
    });
    expect(r).toMatchObject({
      taskSetId: SAMPLE_TASK_SET_ID,
      tasks: 141,
      byCategory: { 预期目标: 10, 重点工作: 131 },
      units: 95,
      errors: [],
    });
    expect(r.created).toBe(false);
    expect(r.applied).toBe(false);
    expect(r.diff).toEqual({
      added: [],
      changed: [],
      removed: [],
      blocked: [],
      units: { added: [], changed: [], removed: [] },
    });
    // 集合 without members: warned about, by name.
    expect(r.warnings.map((w) => w.value)).toContain('各镇街');
    const after = await db.prisma.task.findMany({
      where: { taskSetId: SAMPLE_TASK_SET_ID },
      orderBy: { id: 'asc' },
    });
    expect(after).toEqual(before);
  });

  it('seeding again is a no-op', async () => {
    expect(await ensureSampleImported(db)).toEqual({ taskSetId: SAMPLE_TASK_SET_ID, imported: false });
    expect(await db.prisma.taskSet.count()).toBe(1);
  });
});

describe('errors', () => {
  it('a table with errors imports nothing and lists every error', async () => {
    const sets = await db.prisma.taskSet.count();
    const r = await importTables(db, {
      tasksFile: fixture('many-errors.csv'),
      unitsFile: units,
      year: 2022,
      name: 'errors',
    });
    expect(r.errors.map((e) => [e.file, e.row, e.column])).toEqual([
      ['many-errors.csv', 3, '牵头单位'],
      ['many-errors.csv', 4, '序号'],
      ['many-errors.csv', 5, '工作任务'],
      ['many-errors.csv', 6, '完成时限'],
      ['many-errors.csv', 7, '牵头单位'],
    ]);
    expect(r.applied).toBe(false);
    expect(await db.prisma.taskSet.count()).toBe(sets);
    expect(await db.prisma.task.count({ where: { taskSetId: r.taskSetId } })).toBe(0);
  });

  it('a database failure halfway rolls the whole import back', async () => {
    // A trigger makes the assignment insert fail after the task set, units and tasks were written.
    await db.sql.exec(`
      CREATE FUNCTION fail_import() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER fail_import BEFORE INSERT ON "Assignment" FOR EACH STATEMENT EXECUTE FUNCTION fail_import();`);
    try {
      await expect(
        importTables(db, {
          tasksFile: fixture('base.csv'),
          unitsFile: units,
          year: 2022,
          id: '2022-rollback',
        }),
      ).rejects.toThrow(/injected failure/);
    } finally {
      await db.sql.exec('DROP TRIGGER fail_import ON "Assignment"; DROP FUNCTION fail_import();');
    }
    expect(await db.prisma.taskSet.findUnique({ where: { id: '2022-rollback' } })).toBeNull();
    expect(await db.prisma.task.count({ where: { taskSetId: '2022-rollback' } })).toBe(0);
    expect(await db.prisma.unit.count({ where: { taskSetId: '2022-rollback' } })).toBe(0);
  });
});

describe('re-import of an edited table', () => {
  const id = '2022-diff';
  const load = async () => {
    const tasks = await db.prisma.task.findMany({
      where: { taskSetId: id },
      include: { assignments: { include: { unit: true } } },
      orderBy: { seq: 'asc' },
    });
    return Object.fromEntries(
      tasks.map((t) => [
        t.seq,
        {
          text: t.text,
          deadline: t.deadline.toISOString().slice(0, 10),
          co: t.assignments
            .filter((a) => a.role === 'co')
            .map((a) => a.unit.name)
            .sort(),
        },
      ]),
    );
  };

  it('shows added, changed and removed tasks and writes them only with apply', async () => {
    const base = await importTables(db, { tasksFile: fixture('base.csv'), unitsFile: units, year: 2022, id });
    expect(base).toMatchObject({ created: true, applied: true, tasks: 4, errors: [] });
    const stored = await load();

    const preview = await importTables(db, {
      tasksFile: fixture('edited.csv'),
      unitsFile: units,
      year: 2022,
      id,
    });
    expect(preview).toMatchObject({ created: false, applied: false, pendingApply: true, errors: [] });
    expect(preview.diff).toMatchObject({
      added: ['5'],
      changed: [
        { seq: '1', fields: ['text'] },
        { seq: '2', fields: ['deadline', 'co'] },
      ],
      removed: ['4'],
      blocked: [],
    });
    expect(await load()).toEqual(stored);

    const applied = await importTables(db, {
      tasksFile: fixture('edited.csv'),
      unitsFile: units,
      year: 2022,
      id,
      apply: true,
    });
    expect(applied).toMatchObject({ applied: true, pendingApply: false });
    expect(await load()).toEqual({
      '1': { text: '第一项（文字改过）', deadline: '2022-12-31', co: ['区发展改革委'] },
      '2': { text: '第二项', deadline: '2022-09-30', co: ['区财政局'] },
      '3': { text: '第三项', deadline: '2022-12-31', co: ['乙镇', '甲街道'] },
      '5': { text: '新增的第五项', deadline: '2022-12-31', co: [] },
    });
    const five = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: id, seq: '5' } });
    expect(five.workflowId).toBe(`duban/${id}/5`);

    const again = await importTables(db, {
      tasksFile: fixture('edited.csv'),
      unitsFile: units,
      year: 2022,
      id,
      apply: true,
    });
    expect(again).toMatchObject({ applied: false, pendingApply: false });
    expect(again.diff).toMatchObject({ added: [], changed: [], removed: [], blocked: [] });
  });

  it('never touches tasks whose workflows run, and says so', async () => {
    await db.prisma.task.updateMany({
      where: { taskSetId: id, seq: { in: ['1', '5'] } },
      data: { state: '进行中' },
    });
    await db.prisma.taskSet.update({ where: { id }, data: { startedAt: new Date() } });
    const before = await load();
    // base.csv changes 1 back, changes 2, adds 4 and drops 5.
    const r = await importTables(db, {
      tasksFile: fixture('base.csv'),
      unitsFile: units,
      year: 2022,
      id,
      apply: true,
    });
    expect(r.applied).toBe(true);
    expect(r.diff.blocked).toEqual([
      { seq: '1', state: '进行中', change: 'changed', fields: ['text'] },
      { seq: '5', state: '进行中', change: 'removed' },
    ]);
    expect(r.diff.added).toEqual(['4']);
    expect(r.diff.changed.map((c) => c.seq)).toEqual(['2']);
    expect(r.warnings.filter((w) => w.value === '1' || w.value === '5').map((w) => w.message)).toEqual([
      expect.stringContaining('导入不会改动它'),
      expect.stringContaining('导入不会删除它'),
    ]);
    // Added to a started set: created 未启动, and the office is told to run duban start again.
    expect(r.warnings.some((w) => w.message.includes(`duban start ${id}`))).toBe(true);
    const after = await load();
    expect(after['1']).toEqual(before['1']);
    expect(after['5']).toEqual(before['5']);
    expect(after['2']).toEqual({ text: '第二项', deadline: '2022-06-30', co: [] });
    expect(after['4']).toBeDefined();
  });
});

describe('the other table forms end to end', () => {
  it('XLSX with merged cells and a GB18030 CSV import into their task sets', async () => {
    const x = await importTables(db, { tasksFile: fixture('merged.xlsx'), unitsFile: units, year: 2022 });
    expect(x).toMatchObject({
      errors: [],
      tasks: 5,
      applied: true,
      name: '2022年政府工作报告重点任务分解表（测试）',
    });
    expect(x.taskSetId).toMatch(/^2022-[0-9a-f]{8}$/);
    const t1 = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: x.taskSetId, seq: '1' } });
    expect(t1).toMatchObject({
      group: '联动共建科学城',
      deadlineRaw: '2022-06-30',
      attributes: { 备注: '市级重点' },
    });
    const t5 = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: x.taskSetId, seq: '5' } });
    expect(t5).toMatchObject({ continuing: true, deadlineRaw: '长期坚持' });

    const g = await importTables(db, {
      tasksFile: fixture('gb18030.csv'),
      unitsFile: units,
      year: 2022,
      name: 'gb18030 test',
    });
    expect(g).toMatchObject({ errors: [], tasks: 3, taskSetId: '2022-gb18030-test' });
    const texts = (
      await db.prisma.task.findMany({ where: { taskSetId: g.taskSetId }, orderBy: { seq: 'asc' } })
    ).map((t) => t.text);
    expect(texts).toContain('推动镕金科创园建设');
  });
});

describe('a broken unit directory', () => {
  it('is reported alone, not as one unknown unit per task', async () => {
    const r = await importTables(db, {
      tasksFile: fixture('base.csv'),
      unitsFile: fixture('units-missing-name.csv'),
      year: 2022,
      id: '2022-broken-dir',
    });
    expect(r.errors).toEqual([
      {
        file: 'units-missing-name.csv',
        row: 1,
        column: '单位名称',
        value: null,
        message: expect.stringContaining('缺少必需的列「单位名称」'),
      },
    ]);
    expect(await db.prisma.taskSet.findUnique({ where: { id: '2022-broken-dir' } })).toBeNull();
  });
});

// Cadence per task set, through the real commands: `duban import --cadence`
// refuses a wrong value with a located Chinese message (the option, the
// value, what is expected) and writes a good one to TaskSet.settings, which
// `duban status` shows; `duban simulate --cadence quarterly` on a small table
// asks each task four times in the year (three quarters and the final
// report — the fourth quarter's request would fall due after the final one
// is asked for) and its result says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { duban, dubanEach } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import type { SimulateResult } from '../../client/simulate/simulate.ts';

const fixtures = fileURLToPath(new URL('../fixtures/cadence/', import.meta.url));
const tasks = path.join(fixtures, 'tasks.csv');
const units = path.join(fixtures, 'units.csv');

let db: TestDatabase;
const home = mkdtempSync(path.join(tmpdir(), 'duban-cadence-'));
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('duban_cadence');
  env = { DUBAN_HOME: home, DATABASE_URL: db.url, TOKEN_SECRET: 'c'.repeat(40) };
});
afterAll(async () => {
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
});

const cli = (args: string[]) => duban(args, { env });

describe('duban import --cadence', () => {
  it('refuses a wrong cadence, naming the option, the value and what is expected', async () => {
    // both refused, nothing written: at once
    const [weekly, date] = await dubanEach(
      [
        ['import', tasks, '--units', units, '--year', '2022', '--cadence', 'weekly'],
        ['import', tasks, '--units', units, '--year', '2022', '--cadence', '2022-03-15,2022-02-30', '--json'],
      ],
      cli,
    );
    expect(weekly!.code).toBe(2);
    expect(weekly!.stderr).toContain('选项 --cadence 的值「weekly」无效');
    expect(weekly!.stderr).toContain('quarterly（每季度）');
    expect(date!.code).toBe(2);
    expect(JSON.parse(date!.stdout)).toMatchObject({
      kind: 'BadInput',
      option: '选项 --cadence',
      value: '2022-03-15,2022-02-30',
    });
    expect(date!.stderr).toContain('第 2 个日期「2022-02-30」不是有效日期');
    expect(await db.prisma.taskSet.count()).toBe(0);
  });

  it('writes a quarterly cadence to the set, and duban status shows it', async () => {
    const imported = await cli([
      'import',
      tasks,
      '--units',
      units,
      '--year',
      '2022',
      '--name',
      'cadence-test',
      '--cadence',
      'quarterly',
      '--json',
    ]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ taskSetId: '2022-cadence-test', cadence: '每季度' });
    expect(
      (await db.prisma.taskSet.findUniqueOrThrow({ where: { id: '2022-cadence-test' } })).settings,
    ).toEqual({
      cadence: { kind: 'quarterly' },
    });
    const [status, human] = await dubanEach([['status', '--json'], ['status']], cli);
    expect(JSON.parse(status!.stdout).taskSets[0]).toMatchObject({
      cadenceLabel: '每季度',
      cadence: { kind: 'quarterly' },
    });
    expect(human!.stdout).toContain('报送周期：每季度');

    // custom dates on the same set: shown as a change, written with --apply
    const dates = '03-15,06-15/06-28,2022-09-15';
    const pending = await cli([
      'import',
      tasks,
      '--units',
      units,
      '--year',
      '2022',
      '--name',
      'cadence-test',
      '--cadence',
      dates,
    ]);
    expect(pending.stdout).toContain('报送周期：每季度 → 自定义 3 次（3月15日、6月15日、9月15日）');
    await cli([
      'import',
      tasks,
      '--units',
      units,
      '--year',
      '2022',
      '--name',
      'cadence-test',
      '--cadence',
      dates,
      '--apply',
    ]);
    expect(
      (await db.prisma.taskSet.findUniqueOrThrow({ where: { id: '2022-cadence-test' } })).settings,
    ).toEqual({
      cadence: {
        kind: 'custom',
        requests: [
          { requestOn: '2022-03-15', dueOn: '2022-03-25' },
          { requestOn: '2022-06-15', dueOn: '2022-06-28' },
          { requestOn: '2022-09-15', dueOn: '2022-09-25' },
        ],
      },
    });
  });

  it('a set whose settings are wrong does not start: the error says which set and setting', async () => {
    await db.prisma.taskSet.update({
      where: { id: '2022-cadence-test' },
      data: { settings: { cadence: 'weekly' } },
    });
    const start = await cli(['start', '2022-cadence-test']);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain(
      '任务集 2022-cadence-test 的设置（TaskSet.settings） cadence 的值「weekly」无效',
    );
    expect((await cli(['status'])).stdout).toContain('设置有误');
  });
});

describe('duban simulate --cadence quarterly', () => {
  it('asks each task four times in the year, and says so', { timeout: 600_000 }, async () => {
    const simulated = await cli([
      'simulate',
      '--tasks',
      tasks,
      '--units',
      units,
      '--year',
      '2022',
      '--cadence',
      'quarterly',
      '--json',
    ]);
    expect(simulated.code).toBe(0);
    const r = JSON.parse(simulated.stdout) as SimulateResult;
    expect(r.cadence).toBe('每季度');
    expect(r.requestsPerTask).toEqual({ '1': 4, '2': 4, '3': 4 });
    expect(r.requests).toEqual({ total: 12, min: 4, max: 4 });
    // one request mail per lead unit and period
    expect(r.mailsByKind.request).toBe(12);
  });
});

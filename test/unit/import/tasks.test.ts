// The task table read against the unit directory, one fixture per case.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readDirectory, type UnitDirectory } from '../../../client/import/directory.ts';
import { readTaskTable } from '../../../client/import/tasks.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/import/${name}`, import.meta.url));
let directory: UnitDirectory;

beforeAll(async () => {
  const r = await readDirectory(fixture('units.csv'));
  expect(r.errors).toEqual([]);
  directory = r.directory;
});

const read = (name: string, extra: { sheet?: string } = {}) =>
  readTaskTable(fixture(name), { year: 2022, directory, ...extra });

describe('readTaskTable', () => {
  it('XLSX: skips the title, carries merged 分组 cells down, takes 类别 from a heading row', async () => {
    const r = await read('merged.xlsx');
    expect(r.errors).toEqual([]);
    expect(r.title).toBe('2022年政府工作报告重点任务分解表（测试）');
    expect(r.tasks.map((t) => [t.seq, t.category, t.group, t.sourceRow])).toEqual([
      ['1', '重点工作', '联动共建科学城', 4],
      ['2', '重点工作', '联动共建科学城', 5],
      ['3', '重点工作', '联动共建科学城', 6],
      ['4', '重点工作', '建好环大学创新生态圈', 7],
      ['5', '重点工作', '建好环大学创新生态圈', 8],
    ]);
    expect(r.tasks[0]!.attributes).toEqual({ 备注: '市级重点' });
    // 各镇街 lists its members; 区级有关部门 lists none: a warning, the task keeps its other units.
    expect(r.tasks[1]!.co).toEqual(['甲街道', '乙镇']);
    expect(r.tasks[2]!.co).toEqual([]);
    expect(r.warnings.map((w) => [w.row, w.value])).toEqual([[6, '区级有关部门']]);
  });

  it('GB18030 CSV imports with its text intact', async () => {
    const r = await read('gb18030.csv');
    expect(r.errors).toEqual([]);
    expect(r.tasks.map((t) => t.text)).toEqual([
      '推动镕金科创园建设',
      '建设堃宇数字产业园,引进企业10家',
      '地区生产总值增长5.5%左右',
    ]);
    expect(r.tasks[1]!.co).toEqual(['区商务委(区招商中心)', '区财政局']);
  });

  it('English headers in another order, extra column kept as an attribute', async () => {
    const r = await read('english.csv');
    expect(r.errors).toEqual([]);
    expect(r.tasks.map((t) => [t.seq, t.category, t.group, t.deadline, t.continuing])).toEqual([
      ['T1', '预期目标', 'Targets', '2022-12-31', false],
      ['1', '重点工作', 'Science city', '2022-06-30', false],
      ['2', '重点工作', 'Science city', '2022-12-31', true],
    ]);
    expect(r.tasks[1]!.co).toEqual(['区发展改革委', '区财政局']);
    expect(r.tasks[1]!.attributes).toEqual({ Remarks: 'priority' });
  });

  it('splits glued unit names against the directory and says so', async () => {
    const r = await read('glued.csv');
    expect(r.errors).toEqual([]);
    const t = new Map(r.tasks.map((x) => [x.seq, x]));
    expect(t.get('2')!.lead).toEqual(['区发展改革委', '区商务委(区招商中心)', '区属国有重点企业']);
    expect(t.get('2')!.co).toEqual(['区科技局', '区教委']);
    expect(t.get('3')!.lead).toEqual(['区科技局', '区教委']);
    expect(t.get('3')!.co).toEqual(['区商务委(区招商中心)', '区财政局']);
    expect(t.get('4')!.lead).toEqual(['区经济信息委', '区科技局']);
    expect(r.warnings.filter((w) => w.message.includes('没有分隔符')).map((w) => [w.row, w.column])).toEqual([
      [3, '牵头单位'],
      [3, '配合单位'],
      [4, '牵头单位'],
    ]);
  });

  it('every deadline form', async () => {
    const r = await read('deadlines.csv');
    expect(r.errors).toEqual([]);
    expect(
      Object.fromEntries(r.tasks.map((t) => [t.text, `${t.deadline}${t.continuing ? '+' : ''}`])),
    ).toEqual({
      'ISO 日期': '2022-06-30',
      斜杠日期: '2022-09-01',
      中文日期: '2022-06-30',
      中文日期带前: '2022-10-15',
      月底前: '2022-06-30',
      年底前: '2022-12-31',
      三季度末: '2022-09-30',
      长期坚持: '2022-12-31+',
      留空: '2022-12-31',
      上半年: '2022-06-30',
      全角数字: '2022-03-31',
      中文月份: '2022-11-30',
    });
  });

  it('heading rows (一、预期目标 / （一）…) set 类别 and 分组; a repeated header row is skipped', async () => {
    const r = await read('headings.csv');
    expect(r.errors).toEqual([]);
    expect(r.tasks.map((t) => [t.seq, t.category, t.group])).toEqual([
      ['T1', '预期目标', null],
      ['1', '重点工作', '联动共建科学城'],
      ['2', '重点工作', '建好环大学创新生态圈'],
    ]);
  });

  it('an unknown unit is a located error with the closest known units', async () => {
    const r = await read('unknown-unit.csv');
    expect(r.errors).toEqual([
      {
        file: 'unknown-unit.csv',
        row: 2,
        column: '牵头单位',
        value: '区发改委',
        message: expect.stringContaining('最接近的是：区发展改革委'),
      },
      {
        file: 'unknown-unit.csv',
        row: 3,
        column: '配合单位',
        value: '区发改委区商务委',
        message: expect.stringContaining('中的「区发改委」'),
      },
    ]);
  });

  it('a duplicated 序号', async () => {
    const r = await read('duplicate-seq.csv');
    expect(r.errors).toEqual([
      {
        file: 'duplicate-seq.csv',
        row: 4,
        column: '序号',
        value: '1',
        message: '序号「1」与第 2 行重复；序号须唯一',
      },
    ]);
  });

  it('an empty task text', async () => {
    const r = await read('empty-text.csv');
    expect(r.errors).toEqual([
      { file: 'empty-text.csv', row: 3, column: '工作任务', value: '', message: '工作任务为空' },
    ]);
  });

  it('a missing required column', async () => {
    const r = await read('missing-column.csv');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      file: 'missing-column.csv',
      row: 1,
      column: '牵头单位',
      value: null,
    });
    expect(r.errors[0]!.message).toContain('缺少必需的列「牵头单位」');
    expect(r.tasks).toEqual([]);
  });

  it('lists every error of a table, not just the first', async () => {
    const r = await read('many-errors.csv');
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, '牵头单位'],
      [4, '序号'],
      [5, '工作任务'],
      [6, '完成时限'],
      [7, '牵头单位'],
    ]);
    expect(r.errors.every((e) => /[\u4e00-\u9fff]/.test(e.message))).toBe(true);
  });
});

describe('two-level headers and a directory in a workbook sheet', () => {
  it('reads 责任单位 merged over 牵头单位 | 配合单位', async () => {
    const r = await read('two-level-header.xlsx');
    expect(r.errors).toEqual([]);
    expect(r.tasks.map((t) => [t.seq, t.lead, t.co, t.deadline, t.sourceRow])).toEqual([
      ['1', ['区教委'], ['区科技局'], '2022-12-31', 3],
    ]);
  });

  it('finds the 单位名录 sheet of a workbook, several addresses in one cell, group members', async () => {
    const r = await readDirectory(fixture('merged.xlsx'));
    expect(r.errors).toEqual([]);
    expect(r.directory.units.map((u) => [u.name, u.type, u.emails, u.members])).toEqual([
      ['区科技局', '单位', ['kjj@units.test', 'kjj-2@units.test'], []],
      ['区教委', '单位', ['jw@units.test'], []],
      ['区级有关部门', '集合', [], ['区科技局', '区教委']],
    ]);
  });
});

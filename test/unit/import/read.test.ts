import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectEncoding, openTable } from '../../../client/import/read.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/import/${name}`, import.meta.url));

async function rows(file: string, sheet?: string) {
  const { info, rows } = await openTable(file, { sheet });
  const out: { row: number; cells: string[] }[] = [];
  for await (const r of rows) out.push(r);
  return { info, rows: out };
}

describe('table reader', () => {
  it('detects GB18030 and decodes characters GB2312 lacks', async () => {
    expect(detectEncoding(readFileSync(fixture('gb18030.csv')))).toBe('gb18030');
    const { info, rows: r } = await rows(fixture('gb18030.csv'));
    expect(info.encoding).toBe('gb18030');
    expect(r[0]!.cells).toEqual(['序号', '类别', '分组', '工作任务', '牵头单位', '配合单位', '完成时限']);
    expect(r[1]!.cells[3]).toBe('推动镕金科创园建设');
    expect(r[2]!.cells[3]).toBe('建设堃宇数字产业园,引进企业10家');
  });

  it('reads UTF-8 with a BOM without keeping the BOM in the first header', async () => {
    const { info, rows: r } = await rows(fixture('utf8-bom.csv'));
    expect(info.encoding).toBe('utf8');
    expect(r[0]!.cells[0]).toBe('序号');
  });

  it('numbers CSV rows as a spreadsheet does, quoted line breaks included', async () => {
    const { rows: r } = await rows(fixture('glued.csv'));
    expect(r.map((x) => x.row)).toEqual([1, 2, 3, 4, 5]);
    expect(r[4]!.cells[4]).toBe('区经济信息委\n区科技局');
  });

  it('gives every cell of an XLSX merge the merged value, and dates as YYYY-MM-DD', async () => {
    const { info, rows: r } = await rows(fixture('merged.xlsx'));
    expect(info.sheet).toBe('分解表');
    const byRow = new Map(r.map((x) => [x.row, x.cells]));
    expect(byRow.get(1)!.every((c) => c === '2022年政府工作报告重点任务分解表（测试）')).toBe(true);
    expect([4, 5, 6].map((n) => byRow.get(n)![1])).toEqual([
      '联动共建科学城',
      '联动共建科学城',
      '联动共建科学城',
    ]);
    expect(byRow.get(4)![0]).toBe('1');
    expect(byRow.get(4)![5]).toBe('2022-06-30');
    expect(byRow.get(5)![2]).toBe('建设科学大道');
    expect(byRow.get(7)![5]).toBe('2022-12-31');
  });

  it('reads the sheet asked for, and names the sheets when it is missing', async () => {
    const { rows: r } = await rows(fixture('merged.xlsx'), '预期目标');
    expect(r[1]!.cells[0]).toBe('T1');
    await expect(rows(fixture('merged.xlsx'), '不存在')).rejects.toThrow(/分解表、预期目标/);
  });
});

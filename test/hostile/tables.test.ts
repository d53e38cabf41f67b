// Hostile tables (issue 11): each case is a generated file (or a device, a
// directory, an endless pipe) fed to the importer as `duban import` reads
// it, with the refusal expected — which file, which row, which column and
// the Chinese words — under small configured limits, so each limit is
// reached while reading. A table with any error imports nothing (the CLI's
// exit 2: test/hostile/stack.test.ts runs a few of these through ./duban).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { importTables, type ImportIssue } from '../../client/import/index.ts';
import { readDirectory } from '../../client/import/directory.ts';
import { readTaskTable } from '../../client/import/tasks.ts';
import type { Database } from '../../lib/db.ts';
import { DEFAULT_LIMITS, type Limits } from '../../lib/config.ts';
import { kindOf } from '../../lib/errors.ts';
import { zip } from './zip.ts';

export const LIMITS: Limits = {
  ...DEFAULT_LIMITS,
  importBytes: 2 * 1024 * 1024,
  importUncompressedBytes: 5 * 1024 * 1024,
  importRows: 1000,
  importColumns: 30,
  cellChars: 200,
};

const HEADER = '序号,类别,分组,工作任务,牵头单位,配合单位,完成时限';
const ROWS = [
  '1,重点工作,科学城,第一项,区科技局,区发展改革委,2022-12-31',
  '2,重点工作,科学城,第二项,区教委,,2022-06-30',
];
const UNITS = [
  '单位代码,单位名称,别名,类型,联系邮箱,分管领导邮箱,成员单位',
  'D01,区发展改革委,,区级部门,fgw@units.test,leader-fgw@units.test,',
  'D04,区科技局,,区级部门,kjj@units.test,leader-kjj@units.test,',
  'D05,区教委,,区级部门,jw@units.test,,',
].join('\n');

const dir = mkdtempSync(path.join(tmpdir(), 'duban-hostile-tables-'));
let n = 0;
const file = (name: string, content: Buffer | string) => {
  const p = path.join(dir, `${++n}-${name}`);
  writeFileSync(p, content);
  return p;
};
const csv = (lines: string[]) => [HEADER, ...lines].join('\n') + '\n';
const row = (over: Partial<Record<'seq' | 'text' | 'lead' | 'co' | 'deadline', string>>) =>
  [
    over.seq ?? '1',
    '重点工作',
    '科学城',
    over.text ?? '第一项',
    over.lead ?? '区科技局',
    over.co ?? '',
    over.deadline ?? '2022-12-31',
  ].join(',');

async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('任务');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
const xlsxRows = (lines: string[]) => [HEADER, ...lines].map((l) => l.split(','));

/** The expected refusal: in which file, row and column, with which words. */
interface Refusal {
  file: 'tasks' | 'units';
  row?: number | null;
  column?: string | null | RegExp;
  message: RegExp;
}

interface TableCase {
  name: string;
  tasks: () => string | Promise<string>;
  units?: () => string | Promise<string>;
  /** refused with this issue (the CLI exits 2) */
  refused?: Refusal;
  /** read without error; this many tasks, and a warning matching this when given */
  accepted?: { tasks: number; warning?: RegExp };
}

let pipeWriter: ChildProcess | undefined;

const cases: TableCase[] = [
  // ---- limits, enforced while reading
  {
    name: 'a 工作任务 cell over IMPORT_MAX_CELL_CHARS',
    tasks: () => file('t.csv', csv([row({ text: '长'.repeat(201) }), ROWS[1]!])),
    refused: {
      file: 'tasks',
      row: 2,
      column: '工作任务',
      message: /第 D 列的单元格有 201 个字符，超过 200 字的上限/,
    },
  },
  {
    name: 'a 10 MB-class cell: the reader stops at the row limit, naming row and column',
    tasks: () => file('t.csv', csv([row({ text: 'x'.repeat(1_500_000) })])),
    // the header's name when the header row was taken before the reader stopped, else the letter
    refused: { file: 'tasks', row: 2, column: /^(工作任务|第 D 列)$/, message: /第 2 行第 D 列过长/ },
  },
  {
    name: 'a long 完成时限 cell',
    tasks: () => file('t.csv', csv([row({ deadline: '2'.repeat(300) })])),
    refused: { file: 'tasks', row: 2, column: '完成时限', message: /第 G 列的单元格有 300 个字符/ },
  },
  {
    name: 'a long header cell',
    tasks: () => file('t.csv', `${HEADER},${'备注'.repeat(120)}\n${ROWS[0]}\n`),
    refused: { file: 'tasks', row: 1, column: '第 H 列', message: /第 H 列的单元格有 240 个字符/ },
  },
  {
    name: 'a long 单位名称 in the unit directory',
    tasks: () => file('t.csv', csv(ROWS)),
    units: () => file('u.csv', `${UNITS}\nD09,${'区'.repeat(250)},,区级部门,x@units.test,,\n`),
    refused: { file: 'units', row: 5, column: '单位名称', message: /250 个字符，超过 200 字的上限/ },
  },
  {
    name: 'more rows than IMPORT_MAX_ROWS',
    tasks: () => file('t.csv', csv(Array.from({ length: 1001 }, (_, i) => row({ seq: String(i + 1) })))),
    refused: { file: 'tasks', row: 1001, message: /超过 1000 行的上限（IMPORT_MAX_ROWS）/ },
  },
  {
    name: 'more columns than IMPORT_MAX_COLUMNS',
    tasks: () => file('t.csv', csv([row({}) + ',x'.repeat(30)])),
    refused: { file: 'tasks', row: 2, message: /表格有 37 列，超过 30 列的上限（IMPORT_MAX_COLUMNS）/ },
  },
  {
    name: 'a file over IMPORT_MAX_BYTES',
    tasks: () => file('t.csv', csv(ROWS) + '#'.repeat(2 * 1024 * 1024)),
    refused: { file: 'tasks', row: null, message: /超过 2 MB 的上限（IMPORT_MAX_BYTES）/ },
  },
  {
    name: 'the zero device',
    tasks: () => '/dev/zero',
    refused: { file: 'tasks', row: null, message: /文件含有零字节（NUL），不是文本表格/ },
  },
  {
    name: 'the zero device as the unit directory',
    tasks: () => file('t.csv', csv(ROWS)),
    units: () => '/dev/zero',
    refused: { file: 'units', row: null, message: /文件含有零字节（NUL）/ },
  },
  {
    name: 'an endless pipe of valid rows: stopped at the byte limit while reading',
    tasks: () => {
      const fifo = path.join(dir, `${++n}-endless.csv`);
      spawnSync('mkfifo', [fifo]);
      // reopened after each reader: the head probe, then the stream
      pipeWriter = spawn(
        'sh',
        // the header, endlessly: every line is a header repeated (skipped), so only the byte limit stops it
        [
          '-c',
          `while :; do yes '${HEADER}${`,${'备'.repeat(60)}`.repeat(15)}' > '${fifo}' 2>/dev/null; done`,
        ],
        { stdio: 'ignore', detached: true },
      );
      return fifo;
    },
    refused: { file: 'tasks', message: /读取超过 2 MB 的上限（IMPORT_MAX_BYTES），已停止读取/ },
  },
  {
    name: 'random bytes with NULs',
    tasks: () => file('t.csv', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256))),
    refused: { file: 'tasks', row: null, message: /零字节/ },
  },
  {
    name: 'a NUL inside an otherwise good table',
    tasks: () => file('t.csv', csv([row({ text: '第一\u0000项' })])),
    refused: { file: 'tasks', message: /零字节/ },
  },
  // ---- zip bombs and broken .xlsx
  {
    name: 'a zip bomb .xlsx (its directory declares 6 MB inflated)',
    tasks: () =>
      file(
        'bomb.xlsx',
        zip([
          { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
          { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(6 * 1024 * 1024, 0x20) },
        ]),
      ),
    refused: {
      file: 'tasks',
      row: null,
      message: /Excel 文件解压后超过 5 MB 的上限.*sheet1\.xml.*疑似压缩炸弹/,
    },
  },
  {
    name: 'many small parts adding up past the limit',
    tasks: () =>
      file(
        'many.xlsx',
        zip(
          Array.from({ length: 12 }, (_, i) => ({
            name: `xl/p${i}.xml`,
            data: Buffer.alloc(512 * 1024, 0x20),
          })),
        ),
      ),
    refused: { file: 'tasks', message: /疑似压缩炸弹/ },
  },
  {
    name: 'an entry claiming ZIP64 sizes',
    tasks: () =>
      file(
        'z64.xlsx',
        zip([{ name: 'xl/workbook.xml', data: Buffer.from('<x/>'), declaredSize: 0xffffffff }]),
      ),
    refused: { file: 'tasks', message: /ZIP64/ },
  },
  {
    name: 'text named .xlsx',
    tasks: () => file('fake.xlsx', csv(ROWS)),
    refused: { file: 'tasks', message: /不是有效的 \.xlsx 文件/ },
  },
  {
    name: 'an empty .xlsx',
    tasks: () => file('empty.xlsx', ''),
    refused: { file: 'tasks', message: /不是有效的 \.xlsx 文件/ },
  },
  {
    name: 'a zip with no workbook in it',
    tasks: () => file('nowb.xlsx', zip([{ name: 'hello.txt', data: Buffer.from('hi') }])),
    refused: { file: 'tasks', message: /无法读取 Excel 文件|工作簿中没有工作表/ },
  },
  {
    name: 'a truncated .xlsx',
    tasks: async () => {
      const good = await xlsx(xlsxRows(ROWS));
      return file('cut.xlsx', good.subarray(0, Math.floor(good.length / 2)));
    },
    refused: { file: 'tasks', message: /不是有效的 \.xlsx 文件/ },
  },
  {
    name: 'an old .xls',
    tasks: () => file('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0])),
    refused: { file: 'tasks', message: /不支持旧版 Excel（\.xls）/ },
  },
  {
    name: 'an .xlsx cell over the limit',
    tasks: async () => file('long.xlsx', await xlsx(xlsxRows([row({ text: '长'.repeat(250) })]))),
    refused: { file: 'tasks', row: 2, column: '工作任务', message: /250 个字符，超过 200 字/ },
  },
  {
    name: 'an .xlsx with too many rows',
    tasks: async () =>
      file(
        'rows.xlsx',
        await xlsx(xlsxRows(Array.from({ length: 1001 }, (_, i) => row({ seq: String(i + 1) })))),
      ),
    refused: { file: 'tasks', message: /有 1002 行，超过 1000 行的上限/ },
  },
  {
    name: 'an .xlsx with too many columns',
    tasks: async () =>
      file('cols.xlsx', await xlsx([...xlsxRows(ROWS), Array.from({ length: 40 }, () => 'x')])),
    refused: { file: 'tasks', message: /有 40 列，超过 30 列的上限/ },
  },
  {
    name: 'an .xlsx deadline in 2099',
    tasks: async () => file('2099.xlsx', await xlsx(xlsxRows([row({ deadline: '2099-12-31' })]))),
    refused: {
      file: 'tasks',
      row: 2,
      column: '完成时限',
      message: /完成时限 2099-12-31 超出 2022 年任务集的范围/,
    },
  },
  // ---- deadlines outside the set's year
  {
    name: 'a 2099 deadline in a 2022 set',
    tasks: () => file('t.csv', csv([row({ deadline: '2099-06-30' }), ROWS[1]!])),
    refused: {
      file: 'tasks',
      row: 2,
      column: '完成时限',
      message: /完成时限 2099-06-30 超出 2022 年任务集的范围（最晚 2023-12-31）/,
    },
  },
  {
    name: 'a 2025 deadline in a 2022 set',
    tasks: () => file('t.csv', csv([ROWS[0]!, row({ seq: '2', deadline: '2025年3月' })])),
    refused: { file: 'tasks', row: 3, column: '完成时限', message: /超出 2022 年任务集的范围/ },
  },
  {
    name: 'a next-year deadline is taken with a warning',
    tasks: () => file('t.csv', csv([row({ deadline: '2023-06-30' })])),
    accepted: { tasks: 1, warning: /完成时限 2023-06-30 晚于 2022 年，跨年度任务/ },
  },
  {
    name: 'a past-year deadline is taken with a warning',
    tasks: () => file('t.csv', csv([row({ deadline: '2021-06-30' })])),
    accepted: { tasks: 1, warning: /完成时限 2021-06-30 早于 2022 年/ },
  },
  {
    name: 'a day that does not exist',
    tasks: () => file('t.csv', csv([row({ deadline: '2022-02-30' })])),
    refused: { file: 'tasks', row: 2, column: '完成时限', message: /不是有效日期/ },
  },
  {
    name: 'a deadline in words',
    tasks: () => file('t.csv', csv([row({ deadline: '尽快' })])),
    refused: { file: 'tasks', row: 2, column: '完成时限', message: /完成时限「尽快」/ },
  },
  // ---- what is not a table
  {
    name: 'a directory as the task table',
    tasks: () => {
      const d = path.join(dir, `${++n}-folder.csv`);
      mkdirSync(d);
      return d;
    },
    refused: { file: 'tasks', row: null, message: /是目录，不是表格文件/ },
  },
  {
    name: 'a directory as the unit directory',
    tasks: () => file('t.csv', csv(ROWS)),
    units: () => {
      const d = path.join(dir, `${++n}-units`);
      mkdirSync(d);
      return d;
    },
    refused: { file: 'units', row: null, message: /是目录，不是表格文件/ },
  },
  {
    name: 'a file that does not exist',
    tasks: () => path.join(dir, 'nothing-here.csv'),
    refused: { file: 'tasks', row: null, message: /找不到文件/ },
  },
  {
    name: 'an empty file',
    tasks: () => file('t.csv', ''),
    refused: { file: 'tasks', message: /找不到任务表的表头/ },
  },
  {
    name: 'only a header',
    tasks: () => file('t.csv', HEADER + '\n'),
    refused: { file: 'tasks', message: /任务表中没有任何任务/ },
  },
  {
    name: 'the header after 40 blank-ish lines',
    tasks: () => file('t.csv', 'x,y\n'.repeat(40) + csv(ROWS)),
    refused: { file: 'tasks', message: /在前 30 行中找不到任务表的表头/ },
  },
  {
    name: 'a quote never closed',
    tasks: () => file('t.csv', csv(['1,重点工作,科学城,"第一项,区科技局,,2022-12-31'])),
    refused: { file: 'tasks', message: /引号没有闭合/ },
  },
  // ---- encodings
  {
    name: 'UTF-16LE without a BOM is read as UTF-16',
    tasks: () => file('t.csv', iconv.encode(csv(ROWS), 'utf16le')),
    accepted: { tasks: 2 },
  },
  {
    name: 'UTF-16BE without a BOM is read as UTF-16',
    tasks: () => file('t.csv', iconv.encode(csv(ROWS), 'utf16be')),
    accepted: { tasks: 2 },
  },
  {
    name: 'a UTF-16LE unit directory without a BOM',
    tasks: () => file('t.csv', csv(ROWS)),
    units: () => file('u.csv', iconv.encode(UNITS + '\n', 'utf16le')),
    accepted: { tasks: 2 },
  },
  {
    name: 'GB18030 with a control character in a cell is taken as text',
    tasks: () => file('t.csv', iconv.encode(csv([row({ text: '第一项\u0007' })]), 'gb18030')),
    accepted: { tasks: 1 },
  },
  // ---- rows that are wrong
  {
    name: 'a 序号 with a slash',
    tasks: () => file('t.csv', csv([row({ seq: '1/2' })])),
    refused: { file: 'tasks', row: 2, column: '序号', message: /序号不能含空格或 \/ \\ \? # % 字符/ },
  },
  {
    name: 'a 序号 of 41 characters',
    tasks: () => file('t.csv', csv([row({ seq: '9'.repeat(41) })])),
    refused: { file: 'tasks', row: 2, column: '序号', message: /不超过 40 个字符/ },
  },
  {
    name: 'a 序号 twice',
    tasks: () => file('t.csv', csv([ROWS[0]!, row({ seq: '1', text: '又一项' })])),
    refused: { file: 'tasks', row: 3, column: '序号', message: /序号「1」与第 2 行重复/ },
  },
  {
    name: 'an empty 工作任务',
    tasks: () => file('t.csv', csv([row({ text: '' })])),
    refused: { file: 'tasks', row: 2, column: '工作任务', message: /工作任务为空/ },
  },
  {
    name: 'an empty 牵头单位',
    tasks: () => file('t.csv', csv([row({ lead: '' })])),
    refused: { file: 'tasks', row: 2, column: '牵头单位', message: /牵头单位为空/ },
  },
  {
    name: 'a lead unit not in the directory',
    tasks: () => file('t.csv', csv([row({ lead: '区<img src=x onerror=alert(1)>局' })])),
    refused: {
      file: 'tasks',
      row: 2,
      column: '牵头单位',
      message: /单位名录中没有「区<img src=x onerror=alert\(1\)>局」/,
    },
  },
  {
    name: 'a unit directory without its header',
    tasks: () => file('t.csv', csv(ROWS)),
    units: () => file('u.csv', 'a,b,c\n1,2,3\n'),
    refused: { file: 'units', message: /找不到单位名录的表头/ },
  },
];

/** `importTables` as `duban import` calls it; a refusal never reaches the database. */
const noDatabase = {} as Database;

/** Option refusals: thrown as bad input (exit 2) before any file is read. */
const optionCases: { name: string; options: Record<string, unknown>; message: RegExp }[] = [
  { name: 'a year of 1999', options: { year: 1999 }, message: /年份「1999」无效/ },
  { name: 'a year of 2101', options: { year: 2101 }, message: /年份「2101」无效/ },
  {
    name: 'a task-set id with a path',
    options: { id: '../../etc' },
    message: /任务集编号「\.\.\/\.\.\/etc」无效/,
  },
  { name: 'a task-set id in capitals', options: { id: 'ABC' }, message: /任务集编号「ABC」无效/ },
  { name: 'a cadence that is no cadence', options: { cadence: '每千年' }, message: /--cadence/ },
];

export const TABLE_CASES = cases.length + optionCases.length;

afterAll(() => {
  if (pipeWriter?.pid) {
    try {
      process.kill(-pipeWriter.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

let unitsFile: string;
beforeAll(() => {
  unitsFile = file('units.csv', UNITS + '\n');
});

describe('hostile tables: each refused while reading, naming file, row and column', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const tasksFile = await c.tasks();
    const units = c.units ? await c.units() : unitsFile;
    if (c.accepted) {
      // read as the importer reads (the database is not part of this corpus)
      const directory = await readDirectory(units, { limits: LIMITS });
      expect(directory.errors).toEqual([]);
      const table = await readTaskTable(tasksFile, {
        year: 2022,
        directory: directory.directory,
        limits: LIMITS,
      });
      expect(table.errors).toEqual([]);
      expect(table.tasks).toHaveLength(c.accepted.tasks);
      if (c.accepted.warning)
        expect(table.warnings.map((w) => w.message)).toEqual(
          expect.arrayContaining([expect.stringMatching(c.accepted.warning)]),
        );
      return;
    }
    const result = await importTables(noDatabase, {
      tasksFile,
      unitsFile: units,
      year: 2022,
      limits: LIMITS,
    });
    const want = c.refused!;
    const shown = path.basename(want.file === 'tasks' ? tasksFile : units);
    const match = result.errors.find((e: ImportIssue) => want.message.test(e.message));
    expect(match, JSON.stringify(result.errors)).toBeDefined();
    expect(match!.file).toBe(shown);
    if (want.row !== undefined) expect(match!.row).toBe(want.row);
    if (want.column instanceof RegExp) expect(match!.column).toMatch(want.column);
    else if (want.column !== undefined) expect(match!.column).toBe(want.column);
    // nothing was written: a refusal imports nothing
    expect(result.created).toBe(false);
  });

  it.each(optionCases.map((c) => [c.name, c] as const))('option: %s', async (_name, c) => {
    const err = await importTables(noDatabase, {
      tasksFile: unitsFile,
      unitsFile,
      year: 2022,
      limits: LIMITS,
      ...c.options,
    } as Parameters<typeof importTables>[1]).catch((e: unknown) => e);
    expect(kindOf(err)).toBe('BadInput');
    expect((err as Error).message).toMatch(c.message);
  });
});

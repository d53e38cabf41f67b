// Reads the decomposition table (分解表) row by row against the unit
// directory: finds the header, carries 类别 and 分组 down (merged cells,
// heading rows such as 一、联动共建科学城), resolves the units of each task and
// parses its deadline. Every problem becomes a located issue; reading goes on
// so that the office sees all of them at once.
import path from 'node:path';
import { parseDeadline } from './deadline.ts';
import { unknownUnitMessage, type UnitDirectory } from './directory.ts';
import {
  headerHint,
  looksLikeHeader,
  matchHeaders,
  normalizeHeader,
  TASK_FIELDS,
  type TaskField,
} from './headers.ts';
import { columnName, openTable, TableReadError, type ReadOptions } from './read.ts';
import { cleanCell } from './text.ts';
import { issuesFor, type DirectoryUnit, type ImportIssue, type ParsedTask } from './types.ts';

export const CATEGORY_TARGET = '预期目标';
export const CATEGORY_WORK = '重点工作';

export interface TaskTableResult {
  tasks: ParsedTask[];
  errors: ImportIssue[];
  warnings: ImportIssue[];
  /** a title row above the header (附件2 …分解表), if any */
  title?: string;
  rows: number;
}

export interface TaskReadOptions extends ReadOptions {
  year: number;
  directory: UnitDirectory;
  /** rows read so far */
  onRow?: (rows: number) => void;
}

const MAX_HEADER_SEARCH = 30;
const SEQ_LIKE = /^[A-Za-z]{0,3}\d+([.\-－]\d+)*[.、]?$/;
const HEADING_NUMBER =
  /^(第[一二三四五六七八九十百]+[部分章节篇]|[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百]+[)）]|附件\s*\d*)/;

/** 类别 words as tables write them, in Chinese or English. */
export function normalizeCategory(raw: string): string {
  const s = raw.normalize('NFKC').trim();
  const lower = s.toLowerCase();
  if (/预期目标|主要目标|发展目标/.test(s) || /^(expected )?targets?$|^goals?$|expected target/.test(lower))
    return CATEGORY_TARGET;
  if (/重点工作|重点任务/.test(s) || /^key (task|work)s?$|^key ?works?$|^tasks?$/.test(lower))
    return CATEGORY_WORK;
  return s;
}

function stripHeadingNumber(s: string): string {
  return s
    .replace(HEADING_NUMBER, '')
    .replace(/^[：:、.．\s]+/, '')
    .trim();
}

export async function readTaskTable(file: string, options: TaskReadOptions): Promise<TaskTableResult> {
  const shown = path.basename(file);
  const { directory, year } = options;
  const tasks: ParsedTask[] = [];
  const errors: ImportIssue[] = [];
  const warnings: ImportIssue[] = [];
  const issue = issuesFor(shown);

  let header: ReturnType<typeof matchHeaders<TaskField>> | undefined;
  let headerRow = 0;
  let title: string | undefined;
  let category: string | undefined;
  let group: string | null = null;
  let sawData = false;
  const seqRows = new Map<string, number>();
  const emptyGroups = new Map<string, { rows: number[]; column: string }>();
  let rowsRead = 0;
  /** the current row named a unit the directory does not know */
  let unresolved = false;

  const label = (f: TaskField) =>
    header && header.columns[f] !== undefined
      ? header.headers[header.columns[f]!]!
      : TASK_FIELDS.find((s) => s.field === f)!.label;

  const resolveUnits = (row: number, field: 'lead' | 'co', cell: string): DirectoryUnit[] => {
    const r = directory.resolveCell(cell);
    for (const u of r.unknown) errors.push(issue(row, label(field), cell, unknownUnitMessage(u)));
    if (r.unknown.length) unresolved = true;
    for (const g of r.glued) {
      warnings.push(
        issue(
          row,
          label(field),
          g.piece,
          `「${g.piece}」中的单位没有分隔符，已按单位名录拆分为：${g.parts.join('、')}；请核对`,
        ),
      );
    }
    const out: DirectoryUnit[] = [];
    for (const u of r.units) {
      if (u.type === '集合') {
        const members = directory.expand(u);
        if (members.length === 0) {
          const seen = emptyGroups.get(u.name) ?? { rows: [], column: label(field) };
          seen.rows.push(row);
          emptyGroups.set(u.name, seen);
        }
        for (const m of members) if (!out.includes(m)) out.push(m);
      } else if (!out.includes(u)) {
        out.push(u);
      }
    }
    return out;
  };

  try {
    const { rows } = await openTable(file, options);
    for await (const { row, cells: raw } of rows) {
      rowsRead++;
      if (rowsRead % 1000 === 0) options.onRow?.(rowsRead);
      const cells = raw.map(cleanCell);
      const nonEmpty = cells.filter((c) => c !== '');
      if (nonEmpty.length === 0) continue;
      const distinct = new Set(nonEmpty);

      if (!header) {
        if (looksLikeHeader(cells, TASK_FIELDS)) {
          header = matchHeaders(cells, TASK_FIELDS);
          headerRow = row;
          for (const spec of header.missing) {
            errors.push(
              issue(row, spec.label, null, `缺少必需的列「${spec.label}」（可写作 ${headerHint(spec)}）`),
            );
          }
          if (header.missing.length) break;
        } else if (distinct.size === 1 && title === undefined) {
          title = nonEmpty[0];
        } else if (row > MAX_HEADER_SEARCH) {
          break;
        }
        continue;
      }

      const col = header.columns;
      const at = (f: TaskField) => (col[f] === undefined ? '' : (cells[col[f]!] ?? ''));

      // A second header row under a two-level header (责任单位 over 牵头单位 | 配合单位);
      // merged cells repeat the upper header's words in it.
      if (
        !sawData &&
        row === headerRow + 1 &&
        distinct.size >= 2 &&
        nonEmpty.every((c) => matchHeaders([c], TASK_FIELDS).extra.length === 0)
      ) {
        header = matchHeaders(
          header.headers.map((h, i) => cells[i] || h),
          TASK_FIELDS,
        );
        headerRow = row;
        continue;
      }
      // The header repeated on every printed page.
      if (cells.every((c, i) => c === '' || normalizeHeader(c) === normalizeHeader(header!.headers[i] ?? '')))
        continue;

      // A heading row: one value, alone or merged across the row.
      if (distinct.size === 1 && !SEQ_LIKE.test(nonEmpty[0]!)) {
        const value = nonEmpty[0]!;
        const inStructural = [col.seq, col.category, col.group].some(
          (i) => i !== undefined && cells[i] === value,
        );
        if (
          inStructural ||
          nonEmpty.length > 1 ||
          HEADING_NUMBER.test(value) ||
          normalizeCategory(value) !== value
        ) {
          const cat = normalizeCategory(value);
          if (cat === CATEGORY_TARGET || cat === CATEGORY_WORK) {
            category = cat;
            const stripped = stripHeadingNumber(value);
            group =
              /^附件/.test(value) || normalizeCategory(stripped) === stripped || !stripped ? null : stripped;
          } else {
            group = stripHeadingNumber(value) || value;
          }
          continue;
        }
      }
      if (!sawData) {
        sawData = true;
        for (const d of header.duplicates) {
          warnings.push(
            issue(
              headerRow,
              header.headers[d.column]!,
              null,
              `「${header.headers[d.column]}」与前面的「${label(d.field)}」列同义，本列作为附加属性保存`,
            ),
          );
        }
      }

      // 序号
      const seqRaw = at('seq');
      const seq = seqRaw
        .normalize('NFKC')
        .replace(/[.、]$/, '')
        .trim();
      let bad = false;
      if (!seq) {
        errors.push(issue(row, label('seq'), '', '序号为空；每项任务须有唯一的序号（工作流编号由它生成）'));
        bad = true;
      } else if (/[\s/\\?#%]/.test(seq) || seq.length > 40) {
        errors.push(issue(row, label('seq'), seqRaw, '序号不能含空格或 / \\ ? # % 字符，且不超过 40 个字符'));
        bad = true;
      } else if (seqRows.has(seq)) {
        errors.push(
          issue(row, label('seq'), seqRaw, `序号「${seq}」与第 ${seqRows.get(seq)} 行重复；序号须唯一`),
        );
        bad = true;
      } else {
        seqRows.set(seq, row);
      }

      // 类别, 分组: an empty cell carries the one above (merged cells, exported).
      if (col.category !== undefined && at('category')) {
        const c = normalizeCategory(at('category'));
        if (c !== category) group = col.group === undefined ? null : group;
        category = c;
      }
      if (col.group !== undefined && at('group')) group = at('group');

      const text = at('text');
      if (!text) {
        errors.push(issue(row, label('text'), '', '工作任务为空'));
        bad = true;
      }

      unresolved = false;
      const leadCell = at('lead');
      const lead = resolveUnits(row, 'lead', leadCell);
      const co = resolveUnits(row, 'co', at('co')).filter((u) => !lead.includes(u));
      if (!leadCell) {
        errors.push(issue(row, label('lead'), '', '牵头单位为空；每项任务至少要有一个牵头单位'));
        bad = true;
      } else if (lead.length === 0 && !unresolved) {
        errors.push(
          issue(
            row,
            label('lead'),
            leadCell,
            '牵头单位只有未列成员的集合，没有可交办的单位；请写明牵头单位，或在单位名录中列出该集合的成员单位',
          ),
        );
        bad = true;
      }

      const deadlineRaw = at('deadline');
      const d = parseDeadline(deadlineRaw, year);
      if (!d.ok) {
        errors.push(issue(row, label('deadline'), deadlineRaw, d.message));
        bad = true;
      } else if (Number(d.date.slice(0, 4)) < year) {
        warnings.push(issue(row, label('deadline'), deadlineRaw, `完成时限 ${d.date} 早于 ${year} 年`));
      } else if (Number(d.date.slice(0, 4)) > year + 1) {
        // a task of the year cannot run for years: a typo (2099 for 2022), refused
        errors.push(
          issue(
            row,
            label('deadline'),
            deadlineRaw,
            `完成时限 ${d.date} 超出 ${year} 年任务集的范围（最晚 ${year + 1}-12-31）；请核对年份`,
          ),
        );
        bad = true;
      } else if (Number(d.date.slice(0, 4)) > year) {
        warnings.push(
          issue(row, label('deadline'), deadlineRaw, `完成时限 ${d.date} 晚于 ${year} 年，跨年度任务`),
        );
      }

      const attributes: Record<string, string> = {};
      for (const i of [...header.extra, ...header.duplicates.map((x) => x.column)]) {
        if (cells[i]) attributes[header.headers[i] || `第${i + 1}列`] = cells[i]!;
      }
      if (bad || unresolved || !d.ok) continue;
      tasks.push({
        seq,
        category: category ?? CATEGORY_WORK,
        group,
        text,
        deadline: d.date,
        continuing: d.continuing,
        deadlineRaw: deadlineRaw || null,
        attributes,
        sourceRow: row,
        lead: lead.map((u) => u.name),
        co: co.map((u) => u.name),
      });
    }
  } catch (err) {
    if (err instanceof TableReadError) {
      errors.push(issue(err.row, columnName(err.column, header?.headers), err.value, err.message));
      return { tasks, errors, warnings, title, rows: rowsRead };
    }
    throw err;
  }
  options.onRow?.(rowsRead);

  if (!header) {
    errors.push(
      issue(
        null,
        '工作任务',
        null,
        `在前 ${MAX_HEADER_SEARCH} 行中找不到任务表的表头；应有「序号」「工作任务」「牵头单位」列（中文或英文均可）`,
      ),
    );
  } else if (
    header.columns.category === undefined &&
    !tasks.some((t) => t.category !== CATEGORY_WORK) &&
    category === undefined &&
    tasks.length
  ) {
    warnings.push(
      issue(
        headerRow,
        null,
        null,
        '表中没有“类别”列，也没有“预期目标/重点工作”标题行；全部任务按“重点工作”导入',
      ),
    );
  }
  for (const [name, { rows, column }] of emptyGroups) {
    const shownRows = rows.slice(0, 10).join('、') + (rows.length > 10 ? ` 等 ${rows.length} ` : ' ');
    warnings.push(
      issue(
        rows[0]!,
        column,
        name,
        `「${name}」是集合，单位名录未列其成员单位；第 ${shownRows}行的任务只交办给其他单位。可在单位名录的“成员单位”列列出成员`,
      ),
    );
  }
  return { tasks, errors, warnings, title, rows: rowsRead };
}

// duban import <tasks.csv|.xlsx> --units <units.csv|.xlsx> --year <YYYY>
//   [--name <标题>] [--sheet <工作表>] [--id <任务集编号>] [--cadence <周期>] [--apply] [--json]
//
// Reads the decomposition table and the unit directory, checks everything,
// and writes it in one transaction. With any error nothing is written, every
// error is listed (file, row, column, value, what was expected) and the exit
// code is 2. Re-importing shows the differences and writes them only with
// --apply; tasks whose workflows already run are never changed by an import.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { EXIT_BAD_INPUT, EXIT_OK, type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';
import { progress, type Progress } from '../progress.ts';
import { importTables, type ImportIssue, type ImportResult } from '../import/index.ts';
import { FIELD_LABELS } from '../import/diff.ts';
import { CADENCE_HELP } from '../import/settings.ts';

export const USAGE = [
  '用法：duban import <tasks.csv|.xlsx> --units <units.csv|.xlsx> --year <YYYY> [--name <标题>] [--sheet <工作表>] [--id <任务集编号>] [--cadence <周期>] [--apply] [--json]',
  '  导入分解表和单位名录（全部检查无误才写入）；再次导入同一任务集时列出差异，加 --apply 才写入。',
  '  --units     单位名录（CSV 或 XLSX）',
  '  --year      年度，如 2022',
  '  --name      任务集名称（默认取表格标题行或文件名）',
  '  --sheet     XLSX 的工作表名（默认第一个）',
  '  --id        任务集编号（默认 <年度>-<名称缩写>）',
  `  --cadence   报送周期：${CADENCE_HELP}；默认每月`,
  '  --apply     把与数据库的差异写入已有任务集',
].join('\n');
/** files above this size get a progress bar */
const PROGRESS_BYTES = 512 * 1024;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      units: { type: 'string' },
      year: { type: 'string' },
      name: { type: 'string' },
      sheet: { type: 'string' },
      id: { type: 'string' },
      cadence: { type: 'string' },
      apply: { type: 'boolean', default: false },
    },
    USAGE,
  );
  const { values, positionals } = parsed;
  const tasksFile = positionals[0];
  if (!tasksFile || positionals.length > 1) throw new BadInputError(`请给出一个任务表文件\n${USAGE}`);
  if (!values.units) throw new BadInputError(`缺少 --units <单位名录文件>\n${USAGE}`);
  if (!values.year || !/^\d{4}$/.test(values.year))
    throw new BadInputError(`缺少或无效的 --year（应为四位数年份，如 2022）\n${USAGE}`);
  for (const f of [tasksFile, values.units]) {
    if (!existsSync(f)) throw new BadInputError(`找不到文件 ${f}`);
    if (statSync(f).isDirectory())
      throw new BadInputError(`${f} 是目录，不是表格文件；请给出 .csv 或 .xlsx 文件`, { file: f });
  }

  const big = statSync(tasksFile).size >= PROGRESS_BYTES;
  let reading: Progress | undefined;
  let writing: Progress | undefined;
  let lastBytes = 0;
  let writingDone = 0;

  const config = loadConfig();
  const db = await openDatabase(config);
  let result: ImportResult;
  try {
    result = await importTables(db, {
      limits: config.limits,
      tasksFile,
      unitsFile: values.units,
      year: Number(values.year),
      name: values.name,
      sheet: values.sheet,
      id: values.id,
      cadence: values.cadence,
      apply: values.apply,
      actor: 'duban import',
      onProgress: big
        ? (p) => {
            if (p.phase === 'read') {
              reading ??= progress(`读取 ${path.basename(tasksFile)}`, p.total);
              reading.tick(p.done - lastBytes);
              lastBytes = p.done;
            } else {
              if (reading) {
                reading.done('读取完成');
                reading = undefined;
              }
              writing ??= progress('写入数据库', p.total);
              writing.total(p.total);
              writing.tick(p.done - writingDone);
              writingDone = p.done;
            }
          }
        : undefined,
    });
  } finally {
    await db.close();
  }
  reading?.done('读取完成');
  writing?.done('写入完成');
  ctx.result(result, render(result));
  return result.errors.length ? EXIT_BAD_INPUT : EXIT_OK;
}

function where(i: ImportIssue): string {
  const parts = [i.file];
  if (i.row !== null) parts.push(`第 ${i.row} 行`);
  if (i.column) parts.push(`「${i.column}」列`);
  return parts.join(' ');
}

const list = (items: string[], max = 20) =>
  items.slice(0, max).join('、') + (items.length > max ? ` 等 ${items.length} 项` : '');

/** The human rendering: what was imported, or every error, then the differences. */
export function render(r: ImportResult): string {
  const lines: string[] = [];
  const cats = Object.entries(r.byCategory)
    .map(([c, n]) => `${c} ${n}`)
    .join('，');
  if (r.errors.length) {
    lines.push(`导入失败，未写入任何数据。共 ${r.errors.length} 处错误：`);
    for (const e of r.errors) lines.push(`  ${where(e)}${e.value ? `（值：${e.value}）` : ''}：${e.message}`);
  } else if (r.created) {
    lines.push(
      `已导入任务集 ${r.taskSetId}「${r.name}」：${r.tasks} 项任务（${cats}），${r.units} 个单位，报送周期${r.cadence ?? '每月'}。`,
    );
  } else if (r.applied) {
    lines.push(
      `已更新任务集 ${r.taskSetId}「${r.name}」：现有 ${r.tasks} 项任务（${cats}），${r.units} 个单位。`,
    );
  } else if (r.pendingApply) {
    lines.push(`任务集 ${r.taskSetId}「${r.name}」已存在，表格与数据库有差异（未写入；加 --apply 应用）：`);
  } else {
    lines.push(
      `任务集 ${r.taskSetId}「${r.name}」已是最新：${r.tasks} 项任务（${cats}），${r.units} 个单位，无改动。`,
    );
  }
  if (!r.errors.length && !r.created) {
    const d = r.diff;
    if (d.added.length) lines.push(`  新增任务 ${d.added.length} 项：${list(d.added)}`);
    if (d.changed.length)
      lines.push(
        `  修改任务 ${d.changed.length} 项：${list(d.changed.map((c) => `${c.seq}（${c.fields.map((f) => FIELD_LABELS[f] ?? f).join('、')}）`))}`,
      );
    if (d.removed.length) lines.push(`  删除任务 ${d.removed.length} 项：${list(d.removed)}`);
    if (d.blocked.length)
      lines.push(
        `  工作流已启动、导入不改动的任务 ${d.blocked.length} 项：${list(d.blocked.map((b) => b.seq))}`,
      );
    if (r.cadenceChange)
      lines.push(
        `  报送周期：${r.cadenceChange.from} → ${r.cadenceChange.to}${r.applied ? '（已写入）' : ''}`,
      );
    const u = d.units;
    if (u.added.length + u.changed.length + u.removed.length) {
      lines.push(
        `  单位：新增 ${u.added.length}，修改 ${u.changed.length}，删除 ${u.removed.length}${u.changed.length ? `（修改：${list(u.changed, 10)}）` : ''}`,
      );
    }
  }
  if (r.warnings.length) {
    lines.push(`提示 ${r.warnings.length} 条：`);
    for (const w of r.warnings.slice(0, 50)) lines.push(`  ${where(w)}：${w.message}`);
    if (r.warnings.length > 50) lines.push(`  ……其余 ${r.warnings.length - 50} 条见 --json 输出`);
  }
  return lines.join('\n');
}

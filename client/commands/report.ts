// `duban report <taskSetId> --kind midyear|final --format md|html|xlsx|json [--out <file>] [--as-of YYYY-MM-DD]`
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { buildReport, type ReportKind } from '../report/build.ts';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render.ts';
import { type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE =
  '用法：duban report <taskSetId> --kind midyear|final --format md|html|xlsx|json [--out <文件>] [--as-of YYYY-MM-DD]' +
  '\n  生成半年（midyear）或全年（final）完成情况报告；xlsx 须用 --out 指定文件。只读。';

/** Why an output file could not be written, by the system's code (the English message is not for a person). */
const WRITE_FAILURE: Record<string, string> = {
  ENOENT: '所在的文件夹不存在',
  EACCES: '没有写入权限',
  EPERM: '没有写入权限',
  EISDIR: '这是一个目录，请给出文件名',
  ENOTDIR: '路径中有一段不是文件夹',
  ENOSPC: '磁盘空间不足',
  EROFS: '文件系统只读',
};

/** A day of the calendar (2022-02-30 and 2022-13-45 are not). */
function isRealDay(day: string): boolean {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** --out names a file in a folder that exists: told before anything is read from the database. */
function checkOutputPath(out: string): void {
  if (!out.trim()) throw new BadInputError('--out 需要一个文件名', { option: '--out' });
  const dir = path.dirname(path.resolve(out));
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new BadInputError(`无法写入 ${out}：所在的文件夹 ${dir} 不存在`, { out });
  }
  if (!st.isDirectory()) throw new BadInputError(`无法写入 ${out}：${dir} 不是文件夹`, { out });
  if (existsSync(out) && statSync(out).isDirectory())
    throw new BadInputError(`无法写入 ${out}：这是一个目录，请给出文件名`, { out });
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    args,
    {
      kind: { type: 'string', default: 'midyear' },
      format: { type: 'string', default: 'md' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
    },
    USAGE,
  );
  const taskSetId = positionals[0];
  if (!taskSetId) throw new BadInputError(USAGE);
  if (values.kind !== 'midyear' && values.kind !== 'final')
    throw new BadInputError(`--kind 应为 midyear（半年）或 final（全年），而不是「${values.kind}」`);
  const format = ctx.json ? 'json' : values.format!;
  if (!REPORT_FORMATS.includes(format as ReportFormat))
    throw new BadInputError(`--format 应为 md、html、xlsx 或 json，而不是「${format}」`);
  const asOf = values['as-of'];
  // a real day of the calendar: 2022-13-45 has the shape and is no date
  if (asOf !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(asOf) && isRealDay(asOf)))
    throw new BadInputError(`--as-of 应为日期 YYYY-MM-DD，而不是「${asOf}」`, {
      option: '--as-of',
      value: asOf,
    });
  if (format === 'xlsx' && !values.out) throw new BadInputError('XLSX 为二进制文件，请用 --out 指定输出文件');
  if (values.out !== undefined) checkOutputPath(values.out);

  const db = await openDatabase(loadConfig(), { migrate: false });
  try {
    const rep = await buildReport(db.prisma, taskSetId, values.kind as ReportKind, asOf);
    if (!rep) throw new BadInputError(`没有任务集「${taskSetId}」`);
    const body = await renderReport(rep, format as ReportFormat);
    if (values.out) {
      try {
        writeFileSync(values.out, body);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        throw new BadInputError(
          `无法写入 ${values.out}：${WRITE_FAILURE[code] ?? `写入失败（${code || '未知原因'}）`}`,
          {
            out: values.out,
          },
        );
      }
      ctx.say(`已写入 ${values.out}：${rep.title}（${rep.tasks} 项）`);
      if (ctx.json)
        ctx.result({
          out: values.out,
          title: rep.title,
          tasks: rep.tasks,
          byStatus: rep.byStatus,
          verdicts: rep.verdicts,
          headline: rep.headline,
        });
    } else {
      process.stdout.write(body);
    }
    return 0;
  } finally {
    await db.close();
  }
}

// `duban report <taskSetId> --kind midyear|final --format md|html|xlsx|json [--out <file>] [--as-of YYYY-MM-DD]`
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { buildReport, type ReportKind } from '../report/build.ts';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render.ts';
import { type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE =
  '用法：duban report <taskSetId> --kind midyear|final --format md|html|xlsx|json [--out <文件>] [--as-of YYYY-MM-DD]' +
  '\n  生成半年（midyear）或全年（final）完成情况报告；xlsx 须用 --out 指定文件。只读。';

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
  if (values['as-of'] && !/^\d{4}-\d{2}-\d{2}$/.test(values['as-of']))
    throw new BadInputError(`--as-of 应为日期 YYYY-MM-DD，而不是「${values['as-of']}」`);
  if (format === 'xlsx' && !values.out) throw new BadInputError('XLSX 为二进制文件，请用 --out 指定输出文件');

  const db = await openDatabase(loadConfig(), { migrate: false });
  try {
    const rep = await buildReport(db.prisma, taskSetId, values.kind as ReportKind, values['as-of']);
    if (!rep) throw new BadInputError(`没有任务集「${taskSetId}」`);
    const body = await renderReport(rep, format as ReportFormat);
    if (values.out) {
      writeFileSync(values.out, body);
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

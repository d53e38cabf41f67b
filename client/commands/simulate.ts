// duban simulate --tasks <file> --units <file> --year <YYYY> [--replies <file.jsonl>]
// The whole year on the time-skipping test server with the real workflow and
// activities; see client/simulate/simulate.ts. --report <file.md|.html|.xlsx|.json>
// (repeatable) writes the rehearsed year's year-end report before its database goes.
import { existsSync } from 'node:fs';
import { installQuietRuntime } from '../../lib/temporal.ts';
import { EXIT_OK, type CommandContext, parseCommandArgs } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';
import { progress, type Progress } from '../progress.ts';
import { simulateYear } from '../simulate/simulate.ts';
import { CADENCE_HELP } from '../import/settings.ts';
import { reportTargets, writeReports } from '../report/files.ts';

export const USAGE = [
  '用法：duban simulate --tasks <file> --units <file> --year <YYYY> [--replies <file.jsonl>] [--cadence <周期>] [--report <file.md|.html|.xlsx|.json>…] [--pg <postgresql://…>] [--json]',
  '  在时间跳跃服务器上用真实的工作流和活动模拟一整年（临时数据库与邮箱，不影响正式数据）。',
  '  --replies   回复文件，每行 {"date","task","unit","status","percent","text","reason"}',
  `  --cadence   报送周期：${CADENCE_HELP}；默认每月`,
  '  --report    模拟结束时写出全年完成情况报告（可多次给出，按扩展名定格式）',
  '  --pg        在这台 PostgreSQL 服务器上建临时数据库（用后删除）代替内存中的 PGlite，更快；需有建库权限',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      tasks: { type: 'string' },
      units: { type: 'string' },
      year: { type: 'string' },
      replies: { type: 'string' },
      cadence: { type: 'string' },
      keep: { type: 'boolean' },
      pg: { type: 'string' },
      report: { type: 'string', multiple: true },
    },
    USAGE,
  );
  if (positionals.length) throw new BadInputError(USAGE);
  if (!values.tasks || !values.units || !values.year) throw new BadInputError(USAGE);
  if (!/^\d{4}$/.test(values.year)) throw new BadInputError(`--year 应为四位年份，收到「${values.year}」`);
  for (const [flag, file] of [
    ['--tasks', values.tasks],
    ['--units', values.units],
    ['--replies', values.replies],
  ] as const) {
    if (file && !existsSync(file)) throw new BadInputError(`${flag} 指向的文件不存在：${file}`, { file });
  }
  const reports = reportTargets(values.report ?? []); // checked now, not after the year
  let written = null as Awaited<ReturnType<typeof writeReports>>;
  installQuietRuntime();

  let bar: Progress | undefined;
  try {
    const r = await simulateYear({
      tasksFile: values.tasks,
      unitsFile: values.units,
      year: Number(values.year),
      repliesFile: values.replies,
      cadence: values.cadence,
      keep: values.keep,
      ...(values.pg ? { pgUrl: checkPgUrl(values.pg) } : {}),
      ...(reports.length
        ? { onDone: async (db, id) => void (written = await writeReports(db.prisma, id, 'final', reports)) }
        : {}),
      onPhase: (label, total) => {
        bar?.done();
        bar = progress(label, total);
      },
      onTick: (n) => bar?.tick(n),
    });
    bar?.done();
    const v = r.verdicts;
    ctx.result(
      written ? { ...r, report: written } : r,
      [
        `模拟完成（用时 ${(r.wallMs / 1000).toFixed(1)} 秒）：${r.tasks} 项任务，发出邮件 ${r.mails} 封，催办 ${r.reminders} 次，督办 ${r.escalations} 次`,
        `报送周期 ${r.cadence}：每项任务请报 ${r.requests.min === r.requests.max ? r.requests.min : `${r.requests.min}–${r.requests.max}`} 次（含最终报告），共 ${r.requests.total} 次`,
        `评定：完成 ${v['完成']}，部分完成 ${v['部分完成']}，未完成 ${v['未完成']}`,
        ...Object.entries(r.byCategory).map(
          ([c, n]) => `  ${c}：完成 ${n['完成']}，部分完成 ${n['部分完成']}，未完成 ${n['未完成']}`,
        ),
        `回复 ${r.replies.lines} 条，采纳 ${r.replies.accepted}，拒收 ${r.replies.refused}`,
        ...r.warnings.map((w) => `注意：${w}`),
        ...(written ? [`全年完成情况报告已写入 ${written.files.join('、')}`] : []),
        '',
        ...r.rows.map(
          (row) =>
            `${row.seq.padEnd(4)} ${row.verdict ?? '—'}  ${row.leadUnits.join('、')}  ${row.task.slice(0, 24)}`,
        ),
      ].join('\n'),
    );
    return EXIT_OK;
  } catch (err) {
    bar?.done('已中止');
    throw err;
  }
}

function checkPgUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol))
    throw new BadInputError(
      `--pg 应为 PostgreSQL 地址，例如 postgresql://postgres@127.0.0.1:5432/postgres，收到「${value}」`,
    );
  return value;
}

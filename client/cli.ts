// `duban <command>`: one file per command under client/commands/, loaded only
// when asked for, so `duban --help` and small commands start fast.
// `duban <command> --help` (or -h) prints that command's usage — the USAGE
// its file exports, else the line below — and runs nothing: loading a
// command's module starts nothing, only run() does.
import { createContext, reportError, EXIT_BAD_INPUT, type CommandContext } from './output.ts';

export type CommandRun = (args: string[], ctx: CommandContext) => Promise<number>;

interface CommandEntry {
  summary: string;
  /** the usage when the command's file exports none */
  usage?: string;
  load: () => Promise<{ run: CommandRun; USAGE?: string }>;
}

const commands: Record<string, CommandEntry> = {
  up: {
    summary: '启动内嵌环境：Temporal、数据库、邮件收发、worker、网页（Ctrl-C 停止）',
    load: () => import('./commands/up.ts'),
  },
  migrate: {
    summary: '对数据库执行迁移（嵌入式 PGlite 或 DATABASE_URL）',
    load: () => import('./commands/migrate.ts'),
  },
  seed: { summary: '载入示例任务集（可重复执行）', load: () => import('./commands/seed.ts') },
  import: {
    summary:
      'duban import <tasks.csv|.xlsx> --units <units.csv|.xlsx> --year <YYYY> [--name <标题>] [--cadence <周期>] [--apply]',
    load: () => import('./commands/import.ts'),
  },
  start: {
    summary: 'duban start <taskSetId>：为任务集的每项任务启动工作流',
    load: () => import('./commands/start.ts'),
  },
  status: {
    summary: 'duban status [<taskSetId>]：任务集与任务的状态、亮灯',
    load: () => import('./commands/status.ts'),
  },
  task: {
    summary:
      'duban task <动作> <任务> … --by <经办人>：签收、退回、延期、改派、暂停、恢复、撤销、评定；show 查看状态',
    load: () => import('./commands/task.ts'),
  },
  report: {
    summary:
      'duban report <taskSetId> --kind midyear|final --format md|html|xlsx|json [--out <文件>]：半年、全年完成情况',
    load: () => import('./commands/report.ts'),
  },
  simulate: {
    summary:
      'duban simulate --tasks <file> --units <file> --year <YYYY> [--replies <file.jsonl>] [--cadence <周期>]',
    load: () => import('./commands/simulate.ts'),
  },
  inbox: {
    summary: 'duban inbox parse <file.eml> | ingest <file.eml…> | apply <收件编号> --by <核实人>',
    load: () => import('./commands/inbox.ts'),
  },
  audit: {
    summary:
      'duban audit timeline <workflowId> | replay [--all|<workflowId>|--archive <文件>] | verify [<taskSetId>] | export <taskSetId|workflowId>',
    load: () => import('./commands/audit.ts'),
  },
  worker: {
    summary: '只运行 worker（生产部署：外部 Temporal 与 PostgreSQL）',
    load: () => import('./commands/worker.ts'),
  },
  web: {
    summary: '只运行网页服务：督查室工作台与单位报送页面（生产部署）',
    usage: [
      '用法：duban web',
      '  只运行网页服务（生产部署）：督查室工作台（登录后：总览、任务、单位、收件、已发邮件、报告）与单位报送页面、/health。',
      '  监听 WEB_HOST:WEB_PORT；需要 DATABASE_URL 与 TEMPORAL_ADDRESS。SIGINT/SIGTERM 时停止。',
    ].join('\n'),
    load: () => import('./commands/web.ts'),
  },
  user: {
    summary:
      'duban user add <用户名> --role office|auditor | list | passwd <用户名> | disable <用户名>：工作台账号',
    load: () => import('./commands/user.ts'),
  },
  health: {
    summary: '检查各组件是否可用（Temporal、数据库、SMTP、worker、收信）',
    load: () => import('./commands/health.ts'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    '用法：duban <命令> [参数] [--json]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    '加 --json 时，标准输出为一个 JSON 文档，说明文字写到标准错误。退出码：0 成功，1 失败，2 输入有误。',
    'duban <命令> --help：该命令的用法。',
  ].join('\n');
}

/** Whether the arguments ask for help (before a `--`, after which everything is an operand). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const ctx = createContext(json);
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : EXIT_BAD_INPUT;
  }
  const command = commands[name];
  if (!command) {
    ctx.say(`未知命令：${name}\n\n${usage()}`);
    return EXIT_BAD_INPUT;
  }
  try {
    const module = await command.load();
    if (asksForHelp(rest)) {
      const text = module.USAGE ?? command.usage ?? `用法：${command.summary}`;
      if (json) process.stdout.write(JSON.stringify({ command: name, usage: text }, null, 2) + '\n');
      else process.stdout.write(text + '\n');
      return 0;
    }
    return await module.run(rest, ctx);
  } catch (err) {
    return reportError(err, ctx);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`失败：${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);

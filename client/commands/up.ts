// `duban up`: start the embedded stack, print where everything is, and stay in
// the foreground until Ctrl-C (SIGINT) or SIGTERM, then stop it cleanly.
import { loadConfig } from '../../lib/config.ts';
import { startStack } from '../up/stack.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';
import type { FirstAccount } from '../web/auth/accounts.ts';

/** How to sign in: the account this run made, or how to make one. */
function accountLines(first: FirstAccount): string[] {
  if (first.created)
    return first.generated
      ? [
          `  首个督查室账号         ${first.name}，初始密码 ${first.password}（只显示这一次；登录后请用 ./duban user passwd ${first.name} 修改）`,
        ]
      : [`  首个督查室账号         ${first.name}（密码取自 DUBAN_ADMIN_PASSWORD）`];
  if (first.accounts === 0)
    return [
      '  还没有账号：另开终端运行 ./duban user add <用户名> --role office（审计账号用 --role auditor）',
    ];
  return ['  账号管理               ./duban user add | list | passwd | disable'];
}

export const USAGE = [
  '用法：duban up [--json]',
  '  启动内嵌环境：Temporal 开发服务器、数据库（PGlite）、邮件收集器、worker（含收信）、网页；',
  '  已配置的外部服务（TEMPORAL_ADDRESS、DATABASE_URL、SMTP_URL、IMAP_URL）直接使用。',
  '  首次运行且数据库为空时载入并启动示例任务集（DUBAN_SAMPLE=false 跳过）。Ctrl-C 停止，再次运行从原状态继续。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  if (parseCommandArgs(args, {}, USAGE).positionals.length) throw new BadInputError(USAGE);
  const config = loadConfig();
  const stack = await startStack(config, (line) => ctx.say(line));
  const a = stack.addresses;
  ctx.say(
    [
      '',
      '督办 Duban 已启动：',
      `  督查室工作台（需登录）   ${a.web}`,
      `  单位报送页面           ${a.public}`,
      `  Temporal               ${a.temporal}${a.temporalUi ? `（界面 ${a.temporalUi}）` : ''}`,
      `  SMTP                   ${a.smtp}`,
      `  数据库                 ${a.database}`,
      `  数据目录               ${a.home}`,
      ...accountLines(stack.firstAccount),
      '按 Ctrl-C 停止；再次运行 ./duban up 即从原状态继续。',
      '',
    ].join('\n'),
  );
  if (ctx.json) ctx.result({ ok: true, addresses: a });
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      ctx.say(`\n收到 ${signal}，正在停止…`);
      stack.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    stack.workerDone.then(
      () => stop('worker 退出'),
      (err: Error) => {
        ctx.say(`worker 异常退出：${err.message}`);
        stop('worker 失败');
      },
    );
  });
  await stopped;
  ctx.say('已停止。');
  return 0;
}

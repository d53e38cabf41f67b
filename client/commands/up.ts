// `duban up`: start the embedded stack, print where everything is, and stay in
// the foreground until Ctrl-C (SIGINT) or SIGTERM, then stop it cleanly.
import { loadConfig } from '../../lib/config.ts';
import { startStack } from '../up/stack.ts';
import type { CommandContext } from '../output.ts';

export async function run(_args: string[], ctx: CommandContext): Promise<number> {
  const config = loadConfig();
  const stack = await startStack(config, (line) => ctx.say(line));
  const a = stack.addresses;
  ctx.say(
    [
      '',
      '督办 Duban 已启动：',
      `  网页（总览、邮件、收件）  ${a.web}`,
      `  Temporal               ${a.temporal}${a.temporalUi ? `（界面 ${a.temporalUi}）` : ''}`,
      `  SMTP                   ${a.smtp}`,
      `  数据库                 ${a.database}`,
      `  数据目录               ${a.home}`,
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

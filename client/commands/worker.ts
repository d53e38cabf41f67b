// `duban worker`: only the worker, for a production deployment against an
// external Temporal and PostgreSQL (docker-compose.yml's duban-worker).
// SIGINT/SIGTERM drain it: running activities finish, workflows move on elsewhere.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { runWorker } from '../../worker/run-worker.ts';
import { imapTarget } from '../../worker/imap-poller.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE = [
  '用法：duban worker [--json]',
  '  只运行 worker（生产部署）：执行任务工作流和活动（发信、写数据库），',
  '  并收信：每 IMAP_POLL_SECONDS 秒读取 IMAP_URL 的新邮件，交给对应任务（多个 worker 共用一个数据库时只有一个在收信）。',
  '  需要 TEMPORAL_ADDRESS、DATABASE_URL、SMTP_URL、TOKEN_SECRET；SIGINT/SIGTERM 时停止。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  if (parseCommandArgs(args, {}, USAGE).positionals.length) throw new BadInputError(USAGE);
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const w = await runWorker(config, db);
    ctx.say(
      `worker 已启动：${config.temporal.address}，命名空间 ${config.temporal.namespace}，任务队列 ${config.temporal.taskQueue}`,
    );
    ctx.say(
      config.imap.url
        ? `收信：每 ${config.imap.pollSeconds} 秒读取 ${imapTarget(config.imap.url).host} 的 ${imapTarget(config.imap.url).mailbox}`
        : '收信：未设置 IMAP_URL，不读取邮件回复（只处理 duban inbox ingest 存入的邮件）',
    );
    const stop = () => void w.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await w.done;
    } finally {
      // intake stops with the worker, whichever way it ended
      await w.stop();
    }
    ctx.say('worker 已停止。');
    return 0;
  } finally {
    await db.close();
  }
}

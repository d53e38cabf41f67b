// `duban health`: each part's health, as the dashboard shows it; exit 1 if any is down.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { checkHealth } from '../health.ts';
import type { Client } from '@temporalio/client';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE = [
  '用法：duban health [--json]',
  '  检查各组件：Temporal 可达、数据库已迁移、SMTP 在监听、worker 在轮询任务队列、收信（上次成功收信时间、待处理邮件数）。',
  '  任一组件异常时退出码为 1。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  if (parseCommandArgs(args, {}, USAGE).positionals.length) throw new BadInputError(USAGE);
  const config = loadConfig();
  let db: Database | undefined;
  let client: Client | undefined;
  try {
    db = await openDatabase(config, { migrate: false }).catch(() => undefined);
    client = await connectClient(config).catch(() => undefined);
    const h = await checkHealth({ config, db, client });
    const line = (name: string, p: { ok: boolean; detail: string }) =>
      `${p.ok ? '✔' : '✘'} ${name}：${p.detail}`;
    ctx.result(
      h,
      [
        line('Temporal', h.temporal),
        line('数据库', h.database),
        line('SMTP', h.smtp),
        line('Worker', h.worker),
        line('收信', h.mailbox),
      ].join('\n'),
    );
    return h.ok ? 0 : 1;
  } finally {
    await client?.connection.close();
    await db?.close();
  }
}

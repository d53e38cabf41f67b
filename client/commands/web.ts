// `duban web`: only the web's two listeners (the office's desk and the
// units' reply form), for a production deployment (docker-compose.yml's
// duban-web). Stops on SIGINT/SIGTERM.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { startWebServer } from '../web/server.ts';
import type { CommandContext } from '../output.ts';

export async function run(_args: string[], ctx: CommandContext): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config);
  const client = await connectClient(config);
  try {
    const web = await startWebServer({ config, db, client });
    ctx.say(`督查室工作台已启动：${web.url}（对外地址 ${config.web.url}）`);
    ctx.say(`单位报送页面已启动：${web.publicUrl}（对外地址 ${config.web.publicUrl}）`);
    if ((await db.prisma.user.count()) === 0)
      ctx.say(
        '还没有账号：用 duban user add <用户名> --role office 创建督查室账号（审计账号用 --role auditor）。',
      );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await web.close();
    return 0;
  } finally {
    await client.connection.close();
    await db.close();
  }
}

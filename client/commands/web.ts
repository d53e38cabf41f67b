// `duban web`: only the web server, for a production deployment
// (docker-compose.yml's duban-web). Stops on SIGINT/SIGTERM.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { startWebServer } from '../web/server.ts';
import { webHandlers } from '../web/handlers.ts';
import type { CommandContext } from '../output.ts';

export async function run(_args: string[], ctx: CommandContext): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config);
  const client = await connectClient(config);
  try {
    const web = await startWebServer({
      config,
      db,
      client,
      handlers: webHandlers({ config, prisma: db.prisma, client }),
    });
    ctx.say(`网页已启动：${web.url}`);
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

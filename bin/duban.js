#!/usr/bin/env node
// The `duban` binary: reads `.env` (the working directory's, or the file
// DUBAN_ENV_FILE names) into the environment — a variable already set wins,
// as with Node's own --env-file — then loads the TypeScript sources through
// tsx (no build step) and hands over to client/cli.ts.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const envFile = process.env.DUBAN_ENV_FILE || '.env';
if (process.env.DUBAN_ENV_FILE || existsSync(envFile)) {
  try {
    process.loadEnvFile(envFile);
  } catch (err) {
    const why =
      { ENOENT: '文件不存在', EACCES: '没有读取权限', EISDIR: '这是一个目录' }[err.code] ??
      err.code ??
      err.message;
    process.stderr.write(`配置错误：无法读取环境变量文件 ${envFile}（${why}）\n`);
    process.exit(2);
  }
}

register();
await import('../client/cli.ts');

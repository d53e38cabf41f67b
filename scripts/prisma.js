#!/usr/bin/env node
// Runs the Prisma 6.19 CLI offline. Without these variables the CLI tries to
// download native engines on every command and fails with no internet; with
// any existing file named here it uses the WASM engines through the driver
// adapter configured in prisma.config.ts (see ../shared/FACTS.md).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const placeholder = path.join(root, 'package.json');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholder,
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? placeholder,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  // Prisma 6.19 validates that the datasource url variable exists; the adapter connects.
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://embedded/duban',
};
const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
  cwd: root,
});
process.exit(result.status ?? 1);

// ./duban (bin/duban.js) reads `.env` in its working directory, as
// docker-compose and the README use it; a variable already set in the
// environment wins. Seen through `duban health --json`, which names the
// Temporal address it was configured with.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));

async function health(cwd: string, env: Record<string, string | undefined>) {
  const clean = { ...process.env, ...env };
  for (const name of ['TEMPORAL_ADDRESS', 'DUBAN_ENV_FILE', 'WEB_PORT'])
    if (!(name in env)) delete clean[name];
  return run(process.execPath, [bin, 'health', '--json'], { cwd, env: clean, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

describe('.env', () => {
  it('is read from the working directory; the environment wins over it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-env-'));
    try {
      writeFileSync(
        path.join(dir, '.env'),
        `# as in .env.example\nDUBAN_HOME=${path.join(dir, 'home')}\nTEMPORAL_ADDRESS=127.0.0.1:9\nDATABASE_URL=\nPOSTGRES_PASSWORD=x\n`,
      );
      const fromFile = await health(dir, {});
      expect(JSON.parse(fromFile.stdout).temporal.detail).toContain('127.0.0.1:9');
      const fromEnv = await health(dir, { TEMPORAL_ADDRESS: '127.0.0.1:7' });
      expect(JSON.parse(fromEnv.stdout).temporal.detail).toContain('127.0.0.1:7');

      // a wrong value in the file is told like any other, naming the variable
      writeFileSync(path.join(dir, 'other.env'), 'WEB_PORT=abc\n');
      const wrong = await health(dir, { DUBAN_ENV_FILE: 'other.env' });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('环境变量 WEB_PORT');
      const missing = await health(dir, { DUBAN_ENV_FILE: 'nowhere.env' });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('无法读取环境变量文件 nowhere.env（文件不存在）');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

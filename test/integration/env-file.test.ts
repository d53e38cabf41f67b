// ./duban (bin/duban.js) reads `.env` in its working directory, as
// docker-compose and the README use it; a variable already set in the
// environment wins. Seen through `duban health --json`, which names the
// Temporal address it was configured with.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { duban, dubanEach } from '../helpers/cli.ts';

function health(cwd: string, env: Record<string, string | undefined>) {
  const clean: Record<string, string | undefined> = { ...env };
  for (const name of ['TEMPORAL_ADDRESS', 'DUBAN_ENV_FILE', 'WEB_PORT'])
    if (!(name in env)) clean[name] = undefined;
  return duban(['health', '--json'], { cwd, env: clean, timeoutMs: 60_000 });
}

describe('.env', () => {
  it('is read from the working directory; the environment wins over it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-env-'));
    try {
      writeFileSync(
        path.join(dir, '.env'),
        `# as in .env.example\nDUBAN_HOME=${path.join(dir, 'home')}\nTEMPORAL_ADDRESS=127.0.0.1:9\nDATABASE_URL=\nPOSTGRES_PASSWORD=x\n`,
      );
      // a wrong value in the file is told like any other, naming the variable
      writeFileSync(path.join(dir, 'other.env'), 'WEB_PORT=abc\n');
      // independent runs, two at a time: the first two each wait out the
      // Temporal connect timeout against a closed port (and each opens its own
      // embedded database: two processes on one PGlite folder would collide)
      const [fromFile, fromEnv, wrong, missing] = await dubanEach(
        [
          {},
          { TEMPORAL_ADDRESS: '127.0.0.1:7', DUBAN_HOME: path.join(dir, 'home-env') },
          { DUBAN_ENV_FILE: 'other.env' },
          { DUBAN_ENV_FILE: 'nowhere.env' },
        ],
        (env) => health(dir, env),
      );
      expect(JSON.parse(fromFile!.stdout).temporal.detail).toContain('127.0.0.1:9');
      expect(JSON.parse(fromEnv!.stdout).temporal.detail).toContain('127.0.0.1:7');
      expect(wrong!.code).toBe(2);
      expect(wrong!.stderr).toContain('环境变量 WEB_PORT');
      expect(missing!.code).toBe(2);
      expect(missing!.stderr).toContain('无法读取环境变量文件 nowhere.env（文件不存在）');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

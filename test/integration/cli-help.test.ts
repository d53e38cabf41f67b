// `duban <command> --help` (and -h) for every command the CLI lists: its
// usage in Chinese on stdout, exit 0, and nothing started or touched — not
// even DUBAN_HOME, so `up --help` starts no stack and `health --help` checks
// nothing. An unknown option names itself in Chinese, exit 2, and starts
// nothing either.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inParallel } from '../../lib/parallel.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'duban-help-'));

async function duban(args: string[], home: string) {
  // nothing that could reach a real service: a closed port for every part
  const env = {
    ...process.env,
    DUBAN_HOME: home,
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    DATABASE_URL: 'postgresql://nobody@127.0.0.1:9/none',
    TOKEN_SECRET: 'h'.repeat(40),
  };
  return run(process.execPath, [bin, ...args], { env, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

describe('duban <command> --help', () => {
  it(
    'every listed command prints its usage in Chinese, exits 0 and starts nothing',
    { timeout: 300_000 },
    async () => {
      const list = await duban(['--help'], path.join(scratch, 'list'));
      const names = [...list.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
      expect(names).toEqual(
        expect.arrayContaining([
          'up',
          'import',
          'start',
          'status',
          'task',
          'report',
          'simulate',
          'inbox',
          'audit',
          'worker',
          'web',
          'health',
          'migrate',
          'seed',
        ]),
      );
      await inParallel(names, 2, async (name) => {
        for (const flag of ['--help', '-h']) {
          const home = path.join(scratch, `${name}${flag}`);
          const started = Date.now();
          const result = await duban([name, flag], home);
          expect(result.code, `${name} ${flag}: ${result.stderr}`).toBe(0);
          expect(result.stdout, name).toMatch(new RegExp(`^用法：duban ${name}`));
          expect(result.stdout, name).toMatch(/[\u4e00-\u9fff]{4,}/);
          // nothing started, nothing written, nothing checked
          expect(existsSync(home), `${name} ${flag} touched DUBAN_HOME`).toBe(false);
          expect(result.stdout + result.stderr).not.toMatch(
            /[✔✘]|启动 Temporal 开发服务器（|worker 已启动|Duban 已启动/,
          );
          expect(Date.now() - started).toBeLessThan(30_000);
        }
      });
      // after the command's own arguments too, and as JSON
      const task = await duban(['task', 'return', 'x/1', '--help', '--json'], path.join(scratch, 'json'));
      expect(task.code).toBe(0);
      expect(JSON.parse(task.stdout)).toMatchObject({
        command: 'task',
        usage: expect.stringContaining('用法：duban task'),
      });
      rmSync(scratch, { recursive: true, force: true });
    },
  );

  it.each([['up'], ['health'], ['worker'], ['migrate'], ['simulate']])(
    'duban %s --bogus: the unknown option named in Chinese, exit 2, nothing started',
    async (name) => {
      const home = path.join(tmpdir(), `duban-bogus-${name}-${process.pid}`);
      const result = await duban([name, '--bogus'], home);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('未知选项 --bogus');
      expect(result.stderr).toContain(`用法：duban ${name}`);
      expect(existsSync(home)).toBe(false);
    },
  );
});

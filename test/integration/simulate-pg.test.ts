// `duban simulate --pg`: the rehearsal's throw-away database on a PostgreSQL
// server. A value that is no PostgreSQL address is bad input (exit 2); a
// server that does not answer is said in Chinese (exit 1). That a year run
// there leaves no database behind is checked by the simulated years
// (workflow-simulate*.test.ts), which run on --pg.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sample = 'data/sample/shapingba-2022';

async function simulate(pgUrl: string) {
  try {
    const { stdout, stderr } = await run(
      'node',
      [
        'bin/duban.js',
        'simulate',
        '--tasks',
        `${sample}/tasks.csv`,
        '--units',
        `${sample}/units.csv`,
        '--year',
        '2022',
        '--pg',
        pgUrl,
        '--json',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('duban simulate --pg', () => {
  it('refuses a value that is not a PostgreSQL address (exit 2), in Chinese', async () => {
    const r = await simulate('mysql://x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pg 应为 PostgreSQL 地址');
    expect(r.stderr).toContain('mysql://x');
  });

  it('says in Chinese that the server does not answer (exit 1)', async () => {
    const r = await simulate('postgresql://postgres@127.0.0.1:1/postgres');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('无法在 PostgreSQL');
    expect(r.stderr).toContain('连接被拒绝');
    expect(r.stderr).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
  });
});

// `duban simulate`'s year where nobody answers, on the time-skipping server
// with the real workflow and activities (throw-away database on the
// machine's PostgreSQL): every task 未完成, every lead unit reminded twice and
// escalated once in every period. The sample's tasks all share one deadline,
// so the ladder differs between them only in the shape of their units: the
// year runs on one task of each shape in the sample (category × number of
// lead units × co-units or not × a 集合 among the co-units), 12 of 141, and
// checks the whole ladder of every one. The full 141 with replies is
// workflow-simulate.test.ts.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simulateYear } from '../../client/simulate/simulate.ts';
import { PG_ADMIN_URL } from '../helpers/postgres.ts';
import { databaseExists } from '../helpers/pg-databases.ts';

const sample = 'data/sample/shapingba-2022';

/** One task of each shape: 类别, 完成时限, how many lead units, co-units or not, a 集合 among them. */
function tasksOfEveryShape(dir: string): { file: string; seqs: string[] } {
  const groups = new Set(
    readFileSync(`${sample}/units.csv`, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => f[2] === '集合')
      .map((f) => f[1]),
  );
  // the sample has no field across lines: a row is a line, its 序号 the first field
  const [header, ...rows] = readFileSync(`${sample}/tasks.csv`, 'utf8').trimEnd().split('\n');
  const shapes = new Set<string>();
  const picked: string[] = [];
  for (const row of rows) {
    const f = row.split(',');
    const [seq, category] = [f[0]!, f[1]!];
    const [lead, co, deadline] = f.slice(-3) as [string, string, string];
    const shape = [
      category,
      deadline,
      lead.split('、').length,
      co !== '',
      co.split('、').some((u) => groups.has(u)),
    ].join('|');
    if (shapes.has(shape)) continue;
    shapes.add(shape);
    picked.push(row);
    void seq;
  }
  const file = path.join(dir, 'tasks.csv');
  writeFileSync(file, [header, ...picked].join('\n') + '\n');
  return { file, seqs: picked.map((r) => r.split(',')[0]!) };
}

describe('duban simulate, nobody answers', () => {
  it(
    'every task 未完成, every lead unit reminded and escalated in every period',
    { timeout: 600_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'duban-simulate-silent-'));
      try {
        const { file, seqs } = tasksOfEveryShape(dir);
        expect(seqs.length).toBeGreaterThanOrEqual(8);
        const r = await simulateYear({
          tasksFile: file,
          unitsFile: `${sample}/units.csv`,
          year: 2022,
          repliesFile: 'data/sample/replies/empty.jsonl',
          pgUrl: PG_ADMIN_URL,
        });
        expect(r.tasks).toBe(seqs.length);
        expect(r.rows.map((row) => row.seq).sort()).toEqual([...seqs].sort());
        expect(r.verdicts).toEqual({ 完成: 0, 部分完成: 0, 未完成: seqs.length });
        expect(r.rows.every((row) => row.reason?.includes('未在期限内提交最终报告'))).toBe(true);
        // 12 periods (11 monthly + the final) for every lead unit of every task
        const leadSlots = r.rows.reduce((n, row) => n + row.leadUnits.length, 0);
        expect(leadSlots).toBeGreaterThan(seqs.length); // tasks with several lead units are among them
        expect(r.escalations).toBe(leadSlots * 12);
        expect(r.reminders).toBe(leadSlots * 12 * 2);
        // the throw-away database on the server is gone with the year
        expect(r.database).toMatch(/\/duban_simulate_[0-9a-f]+$/);
        expect(await databaseExists(r.database!)).toBe(false);
        process.stderr.write(
          `simulate no replies (${seqs.length} tasks): ${(r.wallMs / 1000).toFixed(1)} s, ${r.mails} mails\n`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

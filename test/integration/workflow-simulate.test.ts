// `duban simulate` on the 沙坪坝 2022 sample (141 tasks), the whole year on
// the time-skipping server with the real workflow and activities:
//  - every lead unit answers on time and files a final report → 141 verdicts
//    matching the final reports, no 催办 or 督办;
//  - nobody answers → every task 未完成, every lead unit reminded twice and
//    escalated once in every period.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { simulateYear, type SimulateResult } from '../../client/simulate/simulate.ts';

const run = promisify(execFile);
const sample = 'data/sample/shapingba-2022';
const replies = 'data/sample/replies';

describe('duban simulate on the sample', () => {
  it(
    'on-time replies: 141 verdicts as the final reports say, 0 escalations',
    { timeout: 1_200_000 },
    async () => {
      const { stdout } = await run(
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
          '--replies',
          `${replies}/on-time.jsonl`,
          '--json',
        ],
        { maxBuffer: 64 * 1024 * 1024, env: { ...process.env } },
      );
      const r = JSON.parse(stdout) as SimulateResult;
      // what the replies file says each task's lead units reported at the end
      const finals = new Map<string, string>();
      for (const line of readFileSync(`${replies}/on-time.jsonl`, 'utf8').split('\n').filter(Boolean)) {
        const x = JSON.parse(line) as { task: string; status: string };
        if (['完成', '部分完成', '未完成'].includes(x.status)) finals.set(x.task, x.status);
      }
      expect(r.tasks).toBe(141);
      expect(finals.size).toBe(141);
      expect(r.rows.map((row) => [row.seq, row.verdict])).toEqual(
        r.rows.map((row) => [row.seq, finals.get(row.seq)]),
      );
      expect(r.escalations).toBe(0);
      expect(r.reminders).toBe(0);
      expect(r.verdicts['完成'] + r.verdicts['部分完成'] + r.verdicts['未完成']).toBe(141);
      expect(r.verdicts['部分完成']).toBeGreaterThan(0);
      expect(
        r.byCategory['预期目标']!['完成'] +
          r.byCategory['预期目标']!['部分完成'] +
          r.byCategory['预期目标']!['未完成'],
      ).toBe(10);
      expect(r.replies).toMatchObject({ refused: 0 });
      expect(r.mails).toBe(r.mailsByKind.notice! + r.mailsByKind.request! + r.mailsByKind.verdict!);
      const row9 = r.rows.find((x) => x.seq === '9')!;
      expect(row9.leadUnits.length).toBeGreaterThan(0);
      expect(row9.lastReport).toContain('最终报告');
      process.stderr.write(`simulate on-time: ${(r.wallMs / 1000).toFixed(1)} s, ${r.mails} mails\n`);
    },
  );

  it(
    'no replies: every task 未完成, every lead unit reminded and escalated in every period',
    { timeout: 1_200_000 },
    async () => {
      const r = await simulateYear({
        tasksFile: `${sample}/tasks.csv`,
        unitsFile: `${sample}/units.csv`,
        year: 2022,
        repliesFile: `${replies}/empty.jsonl`,
      });
      expect(r.tasks).toBe(141);
      expect(r.verdicts).toEqual({ 完成: 0, 部分完成: 0, 未完成: 141 });
      expect(r.rows.every((row) => row.reason?.includes('未在期限内提交最终报告'))).toBe(true);
      // 12 periods (11 monthly + the final) for every lead unit of every task
      const leadSlots = r.rows.reduce((n, row) => n + row.leadUnits.length, 0);
      expect(r.escalations).toBe(leadSlots * 12);
      expect(r.reminders).toBe(leadSlots * 12 * 2);
      process.stderr.write(`simulate no replies: ${(r.wallMs / 1000).toFixed(1)} s, ${r.mails} mails\n`);
    },
  );
});

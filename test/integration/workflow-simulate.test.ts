// `duban simulate` on the 沙坪坝 2022 sample (141 tasks), the whole year on
// the time-skipping server with the real workflow and activities, its
// throw-away database on the machine's PostgreSQL (--pg): every lead unit
// answers on time and files a final report → 141 verdicts matching the final
// reports, no 催办 or 督办; the year-end report written by --report tells the
// same counts and one numbered paragraph, with the unit's reason and
// （第N项）, per task not completed. The year where nobody answers is
// workflow-simulate-silent.test.ts (a file of its own, so the two years run
// side by side).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SimulateResult } from '../../client/simulate/simulate.ts';
import { PG_ADMIN_URL } from '../helpers/postgres.ts';
import { databaseExists } from '../helpers/pg-databases.ts';
import { chineseOrdinal } from '../../client/report/text.ts';

const run = promisify(execFile);
const sample = 'data/sample/shapingba-2022';
const replies = 'data/sample/replies';

describe('duban simulate on the sample', () => {
  it(
    'on-time replies: 141 verdicts as the final reports say, 0 escalations',
    { timeout: 1_200_000 },
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'duban-simulate-report-'));
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
          '--report',
          path.join(out, 'year.md'),
          '--report',
          path.join(out, 'year.json'),
          '--pg',
          PG_ADMIN_URL,
          '--json',
        ],
        { maxBuffer: 64 * 1024 * 1024, env: { ...process.env } },
      );
      const r = JSON.parse(stdout) as SimulateResult;
      // what the replies file says each task's lead units reported at the end
      const finals = new Map<string, string>();
      const reasons = new Map<string, string>();
      for (const line of readFileSync(`${replies}/on-time.jsonl`, 'utf8').split('\n').filter(Boolean)) {
        const x = JSON.parse(line) as { task: string; status: string; reason?: string };
        if (['完成', '部分完成', '未完成'].includes(x.status)) finals.set(x.task, x.status);
        if (x.reason) reasons.set(x.task, x.reason);
      }
      expect(r.tasks).toBe(141);
      // --pg: the year's throw-away database on the server is gone with it
      expect(r.database).toMatch(/\/duban_simulate_[0-9a-f]+$/);
      expect(await databaseExists(r.database!)).toBe(false);
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

      // The year-end report of the rehearsed year (--report, md and json): the replies file's numbers,
      // and one numbered paragraph per 部分完成 / 未完成 task with the unit's reason and （第N项）.
      const md = readFileSync(path.join(out, 'year.md'), 'utf8');
      const report = JSON.parse(readFileSync(path.join(out, 'year.json'), 'utf8'));
      rmSync(out, { recursive: true, force: true });
      const count = (category: string, verdict: string) =>
        r.rows.filter((row) => row.category === category && finals.get(row.seq) === verdict).length;
      const tell = (label: string, category: string) => {
        const n = ['完成', '部分完成', '未完成'].map((v) => count(category, v));
        if (n[1] === 0 && n[2] === 0) return `${label}全部完成年度目标任务`;
        return `${label}中${[`${n[0]}项完成年度目标任务`, n[1] ? `${n[1]}项部分完成年度目标任务` : '', n[2] ? `${n[2]}项未完成年度目标任务` : ''].filter(Boolean).join('，')}`;
      };
      expect(md).toContain(
        `全年141项目标任务（预期目标10项、重点工作任务131项）中，${tell('预期目标', '预期目标')}；${tell('重点工作任务', '重点工作')}。`,
      );
      expect(report.verdicts).toEqual(r.verdicts);
      for (const [verdict, key, heading] of [
        ['部分完成', 'partial', '二、部分完成年度目标任务情况'],
        ['未完成', 'unfinished', '三、未完成年度目标任务情况'],
      ] as const) {
        const tasks = r.rows.filter((row) => finals.get(row.seq) === verdict);
        expect(tasks.length).toBeGreaterThan(0);
        const paragraphs = tasks.map(
          (row, i) =>
            `（${chineseOrdinal(i + 1)}）${row.task.replace(/[。；，\s]+$/u, '')}。${reasons.get(row.seq)!.replace(/[。；，\s]+$/u, '')}。（第${row.seq}项）`,
        );
        expect(report[key].map((s: { text: string }) => s.text)).toEqual(paragraphs);
        expect(md).toContain(`## ${heading}\n\n${paragraphs.join('\n\n')}\n\n##`);
      }
      expect(md).toContain('| 序号 | 目标任务 | 牵头单位 | 工作推进情况 | 效果评估 | 备注 |');
      process.stderr.write(`simulate on-time: ${(r.wallMs / 1000).toFixed(1)} s, ${r.mails} mails\n`);
    },
  );
});

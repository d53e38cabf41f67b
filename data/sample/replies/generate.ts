// Writes the replies files for `duban simulate` on the 沙坪坝 2022 sample:
//   on-time.jsonl — every lead unit answers every request on the day it goes
//                   out, with a plausible percent, and files a final report
//                   (mostly 完成; some 部分完成 or 未完成, with a reason);
//   empty.jsonl   — no replies at all: every lead unit is reminded and escalated.
// The periods come from the same pure schedule the workflow uses, for a year
// started on 1 January (as simulate starts it). Rerun after changing the
// sample or the default settings:  node --import tsx data/sample/replies/generate.ts
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbedded } from '../../../lib/db.ts';
import { applyMigrations } from '../../../prisma/migrate.ts';
import { importTables } from '../../../client/import/index.ts';
import { buildTaskInputs } from '../../../client/start/task-inputs.ts';
import { atChinaTime, toIsoDate, WorkingCalendar } from '../../../workflows/calendar.ts';
import { planPeriods } from '../../../workflows/schedule.ts';
import { expectedPercent } from '../../../workflows/lights.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const sample = path.join(here, '..', 'shapingba-2022');
const YEAR = 2022;

/** The final status a task's lead units report: mostly 完成, a few not. */
export function finalFor(index: number): { status: '完成' | '部分完成' | '未完成'; percent: number; reason?: string } {
  if (index % 17 === 5) return { status: '未完成', percent: 40, reason: '项目用地审批未获通过，年内无法开工' };
  if (index % 10 === 3) return { status: '部分完成', percent: 80, reason: '受疫情影响，部分子项目顺延至明年一季度' };
  return { status: '完成', percent: 100 };
}

async function main() {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'duban-replies-'));
  const db = await openEmbedded(path.join(folder, 'pgdata'));
  try {
    await applyMigrations(db.sql);
    const imported = await importTables(db, { tasksFile: path.join(sample, 'tasks.csv'), unitsFile: path.join(sample, 'units.csv'), year: YEAR });
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors));
    const starts = await buildTaskInputs(db.prisma, imported.taskSetId);
    const lines: string[] = [];
    const startedAt = atChinaTime(`${YEAR}-01-01`, '00:00');
    starts.forEach((s, index) => {
      const cal = new WorkingCalendar(s.input.calendar);
      const periods = planPeriods({ year: YEAR, startedAt, deadline: s.input.deadline, settings: s.input.settings, cal });
      for (const p of periods) {
        const date = toIsoDate(p.requestAt);
        for (const unit of s.input.lead) {
          if (p.final) {
            const f = finalFor(index);
            lines.push(JSON.stringify({ date, task: s.input.seq, unit: unit.name, status: f.status, percent: f.percent, text: `${p.label}：${f.status}。`, ...(f.reason ? { reason: f.reason } : {}) }));
          } else {
            const percent = Math.min(95, Math.round(expectedPercent(p.requestAt, `${YEAR}-01-01`, s.input.deadline)) + 5);
            lines.push(JSON.stringify({ date, task: s.input.seq, unit: unit.name, status: '推进中', percent, text: `${p.label}按计划推进，完成年度目标的 ${percent}%。` }));
          }
        }
      }
    });
    await writeFile(path.join(here, 'on-time.jsonl'), lines.join('\n') + '\n');
    await writeFile(path.join(here, 'empty.jsonl'), '');
    process.stderr.write(`写入 on-time.jsonl（${lines.length} 行，${starts.length} 项任务）和 empty.jsonl\n`);
  } finally {
    await db.close();
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    process.stderr.write(`失败：${(err as Error).stack}\n`);
    process.exit(1);
  });
}

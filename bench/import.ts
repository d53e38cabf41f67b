// Benchmark (b) city, import: a synthetic 5,000-task table (CSV written to a
// temporary folder) imported into PostgreSQL (a fresh database from
// test/helpers/postgres.ts) and, as a same-run baseline, a bare
// prisma.task.createMany of the same parsed rows. Ratio = rows/s ÷ rows/s.
//   node --import tsx bench/import.ts [--tasks 5000]   → JSON on stdout
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { writeSyntheticTables } from '../test/fixtures/import/synthetic.ts';
import { importTables } from '../client/import/index.ts';
import { readDirectory } from '../client/import/directory.ts';
import { readTaskTable } from '../client/import/tasks.ts';
import { taskData } from '../client/import/apply.ts';
import { parseArgs } from 'node:util';
import { benchmarkMain, progress, rate, ratio, round, type BenchResult } from './lib.ts';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '5000' } } });
const say = progress('import');

async function main(): Promise<BenchResult> {
  const rows = Number(values.tasks);
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-bench-import-'));
  const db = await createTestDatabase('duban_bench');
  try {
    const files = await writeSyntheticTables(dir, rows);

    say(`duban import：${rows} 行`);
    const t0 = performance.now();
    const result = await importTables(db, { ...files, year: 2022, name: 'bench', id: '2022-bench' });
    const importMs = performance.now() - t0;
    if (result.errors.length)
      throw new Error(`synthetic table has errors: ${JSON.stringify(result.errors.slice(0, 3))}`);

    // Baseline: the same task rows, already parsed, in one bare createMany.
    const { directory } = await readDirectory(files.unitsFile);
    const { tasks } = await readTaskTable(files.tasksFile, { year: 2022, directory });
    await db.prisma.taskSet.create({
      data: { id: '2022-baseline', name: 'baseline', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    const t1 = performance.now();
    await db.prisma.task.createMany({
      data: tasks.map((t) => ({
        taskSetId: '2022-baseline',
        seq: t.seq,
        ...taskData(t),
        workflowId: `duban/2022-baseline/${t.seq}`,
      })),
    });
    const createManyMs = performance.now() - t1;
    const assignments = await db.prisma.assignment.count({ where: { task: { taskSetId: '2022-bench' } } });

    const duban = rate(rows, importMs);
    const bare = rate(rows, createManyMs);
    return {
      benchmark: 'import',
      seconds: 0,
      figures: [
        {
          id: 'import',
          figure: `duban import：${rows} 项任务的分解表`,
          unit: 'rows/s',
          duban,
          baseline: bare,
          ratio: ratio(duban, bare),
          goal: '—',
          met: null,
          detail: {
            rows,
            assignments,
            importSeconds: round(importMs / 1000, 2),
            createManySeconds: round(createManyMs / 1000, 2),
            peakRssMb: result.stats.peakRssMb,
            baselineIs: 'one createMany of the same parsed task rows',
          },
        },
      ],
    };
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

benchmarkMain(import.meta.url, main);

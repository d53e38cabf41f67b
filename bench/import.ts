// Benchmark: import a synthetic 5,000-task table into PostgreSQL (a fresh
// database from test/helpers/postgres.ts) and, as a same-run baseline, a bare
// prisma.task.createMany of the same rows. Prints one JSON document.
//   npx tsx bench/import.ts [rows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { writeSyntheticTables } from '../test/fixtures/import/synthetic.ts';
import { importTables } from '../client/import/index.ts';
import { readDirectory } from '../client/import/directory.ts';
import { readTaskTable } from '../client/import/tasks.ts';
import { taskData } from '../client/import/apply.ts';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 5000);
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-bench-import-'));
  const db = await createTestDatabase('duban_bench');
  try {
    const files = await writeSyntheticTables(dir, rows);

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

    const importRowsPerSecond = Math.round((rows / importMs) * 1000);
    const createManyRowsPerSecond = Math.round((rows / createManyMs) * 1000);
    process.stdout.write(
      JSON.stringify(
        {
          benchmark: 'import',
          database: 'postgresql',
          rows,
          assignments,
          import: {
            ms: Math.round(importMs),
            rowsPerSecond: importRowsPerSecond,
            peakRssMb: result.stats.peakRssMb,
          },
          baselineCreateMany: { ms: Math.round(createManyMs), rowsPerSecond: createManyRowsPerSecond },
          ratio: Math.round((importRowsPerSecond / createManyRowsPerSecond) * 100) / 100,
          note: 'import = read CSV + resolve units + parse deadlines + diff + one transaction (task set, units, tasks, assignments, audit); baseline = one createMany of the same parsed task rows',
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench/import 失败：${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

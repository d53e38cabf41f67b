// The same import on the embedded database (PGlite under a temporary
// DUBAN_HOME, no DATABASE_URL), as a newcomer's `duban up` / `duban seed` runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import {
  ensureSampleImported,
  importTables,
  SAMPLE_DIR,
  SAMPLE_TASK_SET_ID,
} from '../../client/import/index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
let home: string;
let db: Database;

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'duban-import-pglite-'));
  db = await openDatabase(loadConfig({ DUBAN_HOME: home }));
  expect(db.kind).toBe('pglite');
});
afterAll(async () => {
  await db?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('import on embedded PGlite', () => {
  it('seeds the sample once: 141 tasks, 95 units, every assignment written', async () => {
    expect(await ensureSampleImported(db)).toEqual({ taskSetId: SAMPLE_TASK_SET_ID, imported: true });
    expect(await db.prisma.task.count({ where: { taskSetId: SAMPLE_TASK_SET_ID } })).toBe(141);
    expect(await db.prisma.unit.count({ where: { taskSetId: SAMPLE_TASK_SET_ID } })).toBe(95);
    const t1 = await db.prisma.task.findFirstOrThrow({
      where: { taskSetId: SAMPLE_TASK_SET_ID, seq: '1' },
      include: { assignments: { include: { unit: true } } },
    });
    expect(t1.assignments.map((a) => `${a.role}:${a.unit.name}`).sort()).toEqual([
      'co:区发展改革委',
      'co:区商务委(区招商中心)',
      'co:区属国有重点企业',
      'lead:区科技局',
    ]);
    expect(t1.deadline.toISOString().slice(0, 10)).toBe('2022-12-31');
    expect(await ensureSampleImported(db)).toEqual({ taskSetId: SAMPLE_TASK_SET_ID, imported: false });
  });

  it('re-importing the sample finds no difference', async () => {
    const r = await importTables(db, {
      tasksFile: path.join(SAMPLE_DIR, 'tasks.csv'),
      unitsFile: path.join(SAMPLE_DIR, 'units.csv'),
      year: 2022,
      id: SAMPLE_TASK_SET_ID,
      apply: true,
    });
    expect(r).toMatchObject({ errors: [], tasks: 141, applied: false, pendingApply: false });
    expect(r.diff).toEqual({
      added: [],
      changed: [],
      removed: [],
      blocked: [],
      units: { added: [], changed: [], removed: [] },
    });
  });

  it('previews and applies an edited table in one transaction', async () => {
    const units = fixture('units.csv');
    await importTables(db, {
      tasksFile: fixture('base.csv'),
      unitsFile: units,
      year: 2022,
      id: '2022-pglite',
    });
    const preview = await importTables(db, {
      tasksFile: fixture('edited.csv'),
      unitsFile: units,
      year: 2022,
      id: '2022-pglite',
    });
    expect(preview).toMatchObject({
      pendingApply: true,
      applied: false,
      diff: { added: ['5'], removed: ['4'] },
    });
    const applied = await importTables(db, {
      tasksFile: fixture('edited.csv'),
      unitsFile: units,
      year: 2022,
      id: '2022-pglite',
      apply: true,
    });
    expect(applied.applied).toBe(true);
    const seqs = (
      await db.prisma.task.findMany({ where: { taskSetId: '2022-pglite' }, orderBy: { seq: 'asc' } })
    ).map((t) => t.seq);
    expect(seqs).toEqual(['1', '2', '3', '5']);
  });
});

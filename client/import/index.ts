// The importer's entry points: importTables (what `duban import` and
// `duban simulate` call) and ensureSampleImported (`duban seed`, first `duban up`).
//
// A table with errors imports nothing and lists every error. A first import
// writes at once; a re-import compares with the database and writes only
// with `apply`, and never touches tasks whose workflows already run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../lib/db.ts';
import { applyImport, loadExisting } from './apply.ts';
import { readDirectory } from './directory.ts';
import { diffIsEmpty, diffTables, FIELD_LABELS, type ExistingUnit } from './diff.ts';
import { readTaskTable } from './tasks.ts';
import type { ImportDiff, ImportIssue, ImportProgress, ImportResult } from './types.ts';
import { BadInputError } from '../../lib/errors.ts';
import type { Limits } from '../../lib/config.ts';
import { cadenceLabel, parseCadence, settingsFrom } from './settings.ts';
import type { Cadence } from '../../workflows/types.ts';

export type {
  ImportDiff,
  ImportIssue,
  ImportProgress,
  ImportResult,
  ParsedTask,
  DirectoryUnit,
} from './types.ts';
export { parseDeadline } from './deadline.ts';
export { workflowIdFor } from './apply.ts';

export interface ImportOptions {
  tasksFile: string;
  unitsFile: string;
  year: number;
  /** the task set's title; default: the table's title row, else the tasks file's name */
  name?: string;
  /** XLSX: the sheet of the tasks file (default: the first) */
  sheet?: string;
  /** write the differences to an existing task set (a new task set is always written) */
  apply?: boolean;
  /** the task set id; default `<year>-<slug of the name>` (see taskSetIdFor) */
  id?: string;
  /** who imports, for the audit event */
  actor?: string;
  /** the reporting cadence (settings.ts parseCadence): monthly, quarterly, half-yearly or dates */
  cadence?: string;
  onProgress?: (p: ImportProgress) => void;
  /** limits enforced while the tables are read (config.limits; default DEFAULT_LIMITS) */
  limits?: Limits;
}

/** An option of the import that cannot work (a task set id of the wrong shape…). */
export class ImportOptionsError extends BadInputError {}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The task set id for a year and a name: `<year>-<slug>`, the slug being the
 * name itself when it is plain ASCII (shapingba → 2022-shapingba), else the
 * first 8 hex digits of its SHA-256. The same name and year always give the
 * same id, so re-importing a table finds its task set.
 */
export function taskSetIdFor(year: number, name: string): string {
  const ascii = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const plain = /^[\x20-\x7e]+$/.test(name.normalize('NFKC')) && ascii.length > 0;
  const slug = plain
    ? ascii.slice(0, 40).replace(/-+$/, '')
    : createHash('sha256').update(name.normalize('NFKC').trim()).digest('hex').slice(0, 8);
  const id = slug.startsWith(`${year}-`) || slug === String(year) ? slug : `${year}-${slug}`;
  return id;
}

async function hashFiles(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of files) {
    for await (const chunk of createReadStream(f)) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return hash.digest('hex');
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function importTables(db: Database, options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const rssStart = process.memoryUsage().rss;
  const { year } = options;
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new ImportOptionsError(`年份「${year}」无效；应为四位数年份，如 2022`);
  if (options.id !== undefined && !ID_PATTERN.test(options.id)) {
    throw new ImportOptionsError(
      `任务集编号「${options.id}」无效；只能用小写字母、数字和连字符，如 2022-shapingba`,
    );
  }
  // a wrong --cadence stops everything before a file is read
  const cadence: Cadence | undefined =
    options.cadence !== undefined
      ? parseCadence(options.cadence, { year, where: '选项 --cadence' })
      : undefined;
  const progress = options.onProgress;

  const dir = await readDirectory(options.unitsFile, { limits: options.limits });
  const errors: ImportIssue[] = [...dir.errors];
  const warnings: ImportIssue[] = [...dir.warnings];

  let bytes = 0;
  const size = await stat(options.tasksFile).then(
    (s) => s.size,
    () => 0,
  );
  // Without a usable directory every unit of the table would be "unknown":
  // report the directory's problem alone rather than a flood of follow-ups.
  const noDirectory = dir.directory.units.length === 0;
  if (noDirectory && dir.errors.length === 0) {
    errors.push({
      file: path.basename(options.unitsFile),
      row: null,
      column: null,
      value: null,
      message: '单位名录中没有任何单位',
    });
  }
  const table = noDirectory
    ? { tasks: [], errors: [], warnings: [], title: undefined, rows: 0 }
    : await readTaskTable(options.tasksFile, {
        year,
        directory: dir.directory,
        sheet: options.sheet,
        limits: options.limits,
        onBytes: (n) => {
          bytes += n;
          progress?.({ phase: 'read', done: bytes, total: size, unit: 'bytes', file: options.tasksFile });
        },
      });
  errors.push(...table.errors);
  warnings.push(...table.warnings);
  if (!noDirectory && table.tasks.length === 0 && table.errors.length === 0) {
    errors.push({
      file: path.basename(options.tasksFile),
      row: null,
      column: null,
      value: null,
      message: '任务表中没有任何任务',
    });
  }

  const name = (
    options.name ??
    table.title ??
    path.basename(options.tasksFile, path.extname(options.tasksFile))
  ).trim();
  const taskSetId = options.id ?? taskSetIdFor(year, name);
  const byCategory: Record<string, number> = {};
  for (const t of table.tasks) byCategory[t.category] = (byCategory[t.category] ?? 0) + 1;
  const emptyDiff: ImportDiff = {
    added: [],
    changed: [],
    removed: [],
    blocked: [],
    units: { added: [], changed: [], removed: [] },
  };
  const result: ImportResult = {
    taskSetId,
    name,
    year,
    tasks: table.tasks.length,
    byCategory,
    units: dir.directory.units.length,
    warnings,
    errors,
    created: false,
    applied: false,
    diff: emptyDiff,
    pendingApply: false,
    stats: { rows: table.rows, durationMs: 0, rowsPerSecond: 0, rssStartMb: mb(rssStart), peakRssMb: 0 },
  };
  const finish = () => {
    const ms = Date.now() - started;
    result.stats.durationMs = ms;
    result.stats.rowsPerSecond = Math.round((table.tasks.length / Math.max(ms, 1)) * 1000);
    result.stats.peakRssMb = mb(process.resourceUsage().maxRSS * 1024);
    return result;
  };
  if (errors.length) return finish();

  const existing = await loadExisting(db, taskSetId);
  if (existing && existing.year !== year) {
    throw new ImportOptionsError(
      `任务集 ${taskSetId} 已存在，年份是 ${existing.year}，与 --year ${year} 不符`,
    );
  }
  const nextUnits: ExistingUnit[] = dir.directory.units;
  const diff = diffTables(table.tasks, existing?.tasks ?? [], nextUnits, existing?.units ?? []);
  result.diff = diff;
  result.created = !existing;
  for (const b of diff.blocked) {
    warnings.push({
      file: path.basename(options.tasksFile),
      row: table.tasks.find((t) => t.seq === b.seq)?.sourceRow ?? null,
      column: null,
      value: b.seq,
      message:
        b.change === 'removed'
          ? `任务 ${b.seq} 已从表中删除，但其工作流已启动（状态：${b.state}），导入不会删除它；如需停止请撤销该任务`
          : `任务 ${b.seq} 的${b.fields!.map((f) => FIELD_LABELS[f] ?? f).join('、')}有改动，但其工作流已启动（状态：${b.state}），导入不会改动它；请通过延期、改派等操作办理`,
    });
  }

  const removedCount = diff.removed.length + diff.blocked.filter((b) => b.change === 'removed').length;
  if (existing && removedCount > existing.tasks.length / 2) {
    warnings.push({
      file: path.basename(options.tasksFile),
      row: null,
      column: null,
      value: null,
      message: `本表将删除任务集 ${taskSetId} 现有 ${existing.tasks.length} 项任务中的 ${removedCount} 项；请确认这是同一张表的新版本，而不是另一张表（另一张表请用 --name 或 --id 导入为新任务集）`,
    });
  }
  if (existing?.startedAt && diff.added.length) {
    warnings.push({
      file: path.basename(options.tasksFile),
      row: null,
      column: null,
      value: null,
      message: `任务集 ${taskSetId} 已启动；新增的 ${diff.added.length} 项任务写入后还需再运行 duban start ${taskSetId} 才会开始督办（已在办的任务不受影响）`,
    });
  }
  const stored = existing
    ? await db.prisma.taskSet.findUniqueOrThrow({ where: { id: taskSetId }, select: { settings: true } })
    : undefined;
  const current = stored ? settingsFrom(stored.settings, { id: taskSetId, year }).cadence : undefined;
  result.cadence = cadenceLabel(cadence ?? current ?? { kind: 'monthly' });
  const cadenceChange =
    existing && cadence && JSON.stringify(cadence) !== JSON.stringify(current)
      ? { from: cadenceLabel(current!), to: cadenceLabel(cadence) }
      : undefined;
  if (cadenceChange) result.cadenceChange = cadenceChange;
  if (diffIsEmpty(diff) && !cadenceChange) return finish();
  if (existing && !options.apply) {
    result.pendingApply = true;
    return finish();
  }
  if (cadenceChange) {
    await db.prisma.taskSet.update({
      where: { id: taskSetId },
      data: { settings: { ...(stored!.settings as object), cadence } as object },
    });
    if (existing?.startedAt)
      warnings.push({
        file: '--cadence',
        row: null,
        column: null,
        value: options.cadence ?? null,
        message: `任务集 ${taskSetId} 已启动：新的报送周期（${cadenceChange.to}）只对此后启动的任务生效，已在办的任务沿用启动时的周期`,
      });
    result.applied = true;
    if (diffIsEmpty(diff)) return finish();
  }
  const sourceHash = await hashFiles([options.tasksFile, options.unitsFile]);
  const kept = await applyImport(db, {
    settings: cadence ? { cadence } : {},
    taskSetId,
    name,
    year,
    sourceFile: path.basename(options.tasksFile),
    sourceHash,
    tasks: table.tasks,
    units: dir.directory.units,
    existing,
    diff,
    actor: options.actor ?? 'duban import',
    onRows: (done, total) => progress?.({ phase: 'write', done, total, unit: 'rows' }),
  });
  warnings.push(...kept);
  result.applied = true;
  return finish();
}

// ---------------------------------------------------------------- the sample

export const SAMPLE_DIR = fileURLToPath(new URL('../../data/sample/shapingba-2022/', import.meta.url));
export const SAMPLE_TASK_SET_ID = '2022-shapingba';
export const SAMPLE_NAME = '沙坪坝区2022年政府工作报告目标任务分解';

/**
 * Imports the 沙坪坝 2022 sample when the database has no task set, so a
 * newcomer sees real tasks. Safe to rerun: with any task set present it does
 * nothing. A sample that fails to import is a bug and throws, loudly.
 */
export async function ensureSampleImported(db: Database): Promise<{ taskSetId: string; imported: boolean }> {
  const first = await db.prisma.taskSet.findFirst({ orderBy: { createdAt: 'asc' }, select: { id: true } });
  if (first) {
    const sample = await db.prisma.taskSet.findUnique({
      where: { id: SAMPLE_TASK_SET_ID },
      select: { id: true },
    });
    return { taskSetId: sample?.id ?? first.id, imported: false };
  }
  let result: ImportResult;
  try {
    result = await importTables(db, {
      tasksFile: path.join(SAMPLE_DIR, 'tasks.csv'),
      unitsFile: path.join(SAMPLE_DIR, 'units.csv'),
      year: 2022,
      name: SAMPLE_NAME,
      id: SAMPLE_TASK_SET_ID,
      actor: 'duban seed',
    });
  } catch (err) {
    // Another process seeding at the same moment wins the unique id; that is success.
    const raced = await db.prisma.taskSet.findUnique({
      where: { id: SAMPLE_TASK_SET_ID },
      select: { id: true },
    });
    if (raced) return { taskSetId: raced.id, imported: false };
    throw err;
  }
  if (result.errors.length) {
    throw new Error(
      `示例数据导入失败：${result.errors.map((e) => `${e.file} 第 ${e.row} 行 ${e.column ?? ''}：${e.message}`).join('；')}`,
    );
  }
  return { taskSetId: result.taskSetId, imported: result.applied };
}

// Report files named on a command line (`duban simulate --report <file>`, repeatable):
// each name checked before any work starts (its format from the extension, its
// folder existing), then each written from one build of the report.
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../../lib/db.ts';
import { BadInputError } from '../../lib/errors.ts';
import { buildReport, type ReportKind } from './build.ts';
import { formatOfFile, renderReport, type ReportFormat } from './render.ts';

export interface ReportTarget {
  file: string;
  format: ReportFormat;
}

/** The files' formats; BadInput naming the first file that cannot be written as a report. */
export function reportTargets(files: string[], option = '--report'): ReportTarget[] {
  return files.map((file) => {
    const format = formatOfFile(file);
    if (!format)
      throw new BadInputError(`${option} 的文件名应以 .md、.html、.xlsx 或 .json 结尾：${file}`, { file });
    const dir = path.dirname(path.resolve(file));
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new BadInputError(`${option} 所在的目录不存在：${dir}`, { file });
    return { file, format };
  });
}

/** Writes the task set's report into each target; returns its title, or null when the set does not exist. */
export async function writeReports(
  prisma: PrismaClient,
  taskSetId: string,
  kind: ReportKind,
  targets: ReportTarget[],
): Promise<{ title: string; files: string[] } | null> {
  const rep = await buildReport(prisma, taskSetId, kind);
  if (!rep) return null;
  for (const t of targets) await writeFile(t.file, await renderReport(rep, t.format));
  return { title: rep.title, files: targets.map((t) => t.file) };
}

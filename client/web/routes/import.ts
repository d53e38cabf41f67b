// Starting a year from the desk, by the same rules and messages as
// `duban import` and `duban start` (client/import importTables, client/start
// startTaskSet):
//   GET  /import               the upload form, the task sets and recent jobs
//   POST /import               tasks + units (XLSX or CSV), year, name: kept, then read
//                              in the background → /jobs/<id>
//   GET  /jobs/<id>            a job's progress bar (the page reloads itself), then its
//                              result: the located errors, or what the table changes
//   POST /uploads/<id>/apply   writes the differences of an existing set (import --apply)
//   POST /sets/<id>/start      one workflow per task not yet started (duban start)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { BadInputError, NotFoundError, UnavailableError } from '../../../lib/errors.ts';
import { importTables, type ImportResult } from '../../import/index.ts';
import { render as renderImport } from '../../commands/import.ts';
import { startTaskSet } from '../../start/start-task-set.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { formOf, type UploadedFile } from '../forms.ts';
import { importPage, jobPage } from '../views/import.ts';

const TABLE_EXTENSIONS = ['.csv', '.xlsx', '.xlsm'];

/** A file name safe to write in our own temp folder, keeping what the person will recognise in errors. */
export function safeFileName(name: string, fallback: string): string {
  const base = [...path.basename(name.replace(/\\/g, '/'))]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || '<>:"|?*'.includes(ch) ? '_' : ch))
    .join('')
    .slice(-120);
  return base && base !== '.' && base !== '..' ? base : fallback;
}

function checkTable(file: UploadedFile | undefined, what: string): UploadedFile {
  if (!file || (!file.filename && file.content.length === 0))
    throw new BadInputError(`请选择${what}文件（XLSX 或 CSV）。`);
  const ext = path.extname(file.filename).toLowerCase();
  if (ext === '.xls')
    throw new BadInputError(
      `${what}「${file.filename}」是旧版 Excel（.xls）格式；请在 Excel/WPS 中另存为 .xlsx 或 CSV 后上传。`,
    );
  if (!TABLE_EXTENSIONS.includes(ext))
    throw new BadInputError(`${what}「${file.filename}」应为 .xlsx 或 .csv 文件。`);
  if (file.content.length === 0) throw new BadInputError(`${what}「${file.filename}」是空文件。`);
  return file;
}

export function importRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  const importPageData = async () => {
    const [sets, jobs] = await Promise.all([
      prisma.taskSet.findMany({
        orderBy: { createdAt: 'asc' },
        select: { id: true, name: true, year: true, startedAt: true, _count: { select: { tasks: true } } },
      }),
      prisma.webJob.findMany({ orderBy: { createdAt: 'desc' }, take: 10 }),
    ]);
    return { sets, jobs };
  };

  routes.add(
    'GET',
    '/import',
    'reader',
    async (_request, _reply, ctx) => importPage(ctx, await importPageData()),
    'import',
  );

  /** Reads the kept upload into a folder of its own and imports it; the folder goes afterwards. */
  const runImport = (uploadId: string, actor: string, apply: boolean) =>
    deps.jobs.start(apply ? 'apply' : 'import', actor, { uploadId }, async (progress) => {
      const upload = await prisma.upload.findUnique({ where: { id: uploadId } });
      if (!upload) throw new NotFoundError('上传的表格已不存在，请重新上传。');
      const dir = mkdtempSync(path.join(tmpdir(), 'duban-upload-'));
      try {
        const tasksFile = path.join(dir, safeFileName(upload.tasksFile, 'tasks.csv'));
        let unitsFile = path.join(dir, safeFileName(upload.unitsFile, 'units.csv'));
        if (unitsFile === tasksFile) unitsFile = path.join(dir, `单位名录-${path.basename(unitsFile)}`);
        writeFileSync(tasksFile, upload.tasksContent);
        writeFileSync(unitsFile, upload.unitsContent);
        const result: ImportResult = await importTables(deps.db, {
          tasksFile,
          unitsFile,
          limits: deps.config.limits,
          year: upload.year,
          ...(upload.name ? { name: upload.name } : {}),
          apply,
          actor,
          onProgress: (p) => progress(p.done, p.total),
        });
        return { result, text: renderImport(result) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  routes.add('POST', '/import', 'office', async (request, reply: FastifyReply, ctx) => {
    const form = formOf(request);
    const year = form.text('year').trim();
    if (!/^\d{4}$/.test(year)) throw new BadInputError(`年份「${year}」无效；应为四位数年份，如 2022`);
    const tasks = checkTable(form.files('tasks')[0], '任务表');
    const units = checkTable(form.files('units')[0], '单位名录');
    const name = form.text('name').trim().slice(0, 200);
    const id = randomUUID();
    // bytes through SQL: Prisma's Bytes parameters fail on the PGlite adapter (FACTS.md)
    await prisma.$executeRaw`
      INSERT INTO "Upload" (id, actor, year, name, "tasksFile", "tasksContent", "unitsFile", "unitsContent")
      VALUES (${id}, ${ctx.user.name}, ${Number(year)}, ${name || null}, ${tasks.filename}, decode(${tasks.content.toString('hex')}, 'hex'),
              ${units.filename}, decode(${units.content.toString('hex')}, 'hex'))`;
    await prisma.auditEvent.create({
      data: {
        actor: ctx.user.name,
        action: 'import.upload',
        details: {
          uploadId: id,
          tasksFile: tasks.filename,
          unitsFile: units.filename,
          year: Number(year),
          name: name || null,
        },
      },
    });
    const job = await runImport(id, ctx.user.name, false);
    return void reply.redirect(`/jobs/${job}`, 303);
  });

  routes.add('POST', '/uploads/:id/apply', 'office', async (request, reply, ctx) => {
    const id = (request.params as { id: string }).id;
    const upload = /^[0-9a-f-]{36}$/.test(id)
      ? await prisma.upload.findUnique({ where: { id }, select: { id: true } })
      : null;
    if (!upload) throw new NotFoundError('没有这次上传。');
    const job = await runImport(id, ctx.user.name, true);
    return void reply.redirect(`/jobs/${job}`, 303);
  });

  routes.add('POST', '/sets/:id/start', 'office', async (request, reply, ctx) => {
    const taskSetId = (request.params as { id: string }).id;
    const set = await prisma.taskSet.findUnique({ where: { id: taskSetId }, select: { id: true } });
    if (!set) throw new NotFoundError(`没有任务集「${taskSetId}」`);
    const client = deps.client;
    if (!client) throw new UnavailableError('网页服务未连接 Temporal，无法启动');
    const job = await deps.jobs.start('start', ctx.user.name, { taskSetId }, async (progress) => {
      const r = await startTaskSet(client, prisma, taskSetId, deps.config, progress, deps.startOptions);
      await prisma.auditEvent.create({
        data: {
          actor: ctx.user.name,
          action: 'set.start',
          taskSetId,
          details: { tasks: r.tasks, started: r.started, alreadyStarted: r.alreadyStarted },
        },
      });
      return {
        taskSetId,
        tasks: r.tasks,
        started: r.started,
        alreadyStarted: r.alreadyStarted,
        text: `任务集 ${taskSetId}：共 ${r.tasks} 项任务，新启动 ${r.started} 项，已有工作流 ${r.alreadyStarted} 项。`,
      };
    });
    return void reply.redirect(`/jobs/${job}`, 303);
  });

  routes.add(
    'GET',
    '/jobs/:id',
    'reader',
    async (request, _reply, ctx) => {
      const id = (request.params as { id: string }).id;
      const job = /^[0-9a-f-]{36}$/.test(id) ? await prisma.webJob.findUnique({ where: { id } }) : null;
      if (!job) throw new NotFoundError('没有这项任务。');
      const setId =
        job.taskSetId ?? (job.result as { result?: { taskSetId?: string } } | null)?.result?.taskSetId;
      const started = setId
        ? await prisma.taskSet.findUnique({ where: { id: setId }, select: { startedAt: true } })
        : null;
      return jobPage(
        job.status === 'running' ? { ...ctx, refresh: 1 } : ctx,
        job,
        started?.startedAt ?? null,
      );
    },
    'import',
  );
}

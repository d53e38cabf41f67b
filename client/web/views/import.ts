// Starting a year: the upload form, the task sets with their start buttons,
// and a job's page (progress bar while it runs, then what it found or did).
import { html } from '../../../lib/html.ts';
import type { ImportResult } from '../../import/index.ts';
import { chinaMinute, csrfField, isoDay, page, type PageContext } from '../layout.ts';

const JOB_LABEL: Record<string, string> = { import: '读取表格', apply: '应用改动', start: '启动督办' };
const STATUS_LABEL: Record<string, string> = { running: '进行中', done: '已完成', failed: '失败' };

interface SetRow {
  id: string;
  name: string;
  year: number;
  startedAt: Date | null;
  _count: { tasks: number };
}
interface JobRow {
  id: string;
  kind: string;
  actor: string;
  status: string;
  done: number;
  total: number;
  uploadId: string | null;
  taskSetId: string | null;
  result: unknown;
  error: string | null;
  createdAt: Date;
}

const startForm = (ctx: PageContext, setId: string, label = '启动督办') =>
  html`<form method="post" action="/sets/${encodeURIComponent(setId)}/start" class="inline" id="start-form">${csrfField(ctx)}<button type="submit">${label}</button></form>`;

export function importPage(ctx: PageContext, d: { sets: SetRow[]; jobs: JobRow[] }): string {
  const isOffice = ctx.user?.role === 'office';
  const form = isOffice
    ? html`<form method="post" action="/import" enctype="multipart/form-data" class="box" id="upload-form">${csrfField(ctx)}
<p>上传分解表与单位名录（XLSX 或 CSV），先检查后写入：有错误时逐条指出文件、行、列，不写入任何数据；任务集已存在时列出与现有数据的差异，确认后再应用。</p>
<p><label>任务表（分解表）<br><input type="file" name="tasks" accept=".xlsx,.xlsm,.csv" required></label></p>
<p><label>单位名录<br><input type="file" name="units" accept=".xlsx,.xlsm,.csv" required></label></p>
<p><label>年度 <input name="year" required pattern="\\d{4}" size="6" placeholder="2022"></label>
<label>标题（可不填，默认取表格标题）<input name="name" size="40"></label></p>
<button type="submit">上传并检查</button></form>`
    : html`<p class="muted">审计账号只读：可查看任务集与导入记录，不能导入或启动。</p>`;
  const sets = d.sets.length
    ? html`<table id="import-sets"><tr><th>任务集</th><th>年度</th><th>任务数</th><th>启动</th></tr>${d.sets.map(
        (s) =>
          html`<tr><td><a href="/?set=${encodeURIComponent(s.id)}">${s.name}</a><br><span class="muted">${s.id}</span></td><td>${s.year}</td><td>${s._count.tasks}</td><td>${s.startedAt ? `已启动（${isoDay(s.startedAt)}）` : '未启动'}${isOffice ? startForm(ctx, s.id, s.startedAt ? '启动新增任务' : '启动督办') : ''}</td></tr>`,
      )}</table>`
    : html`<p class="muted">还没有任务集。</p>`;
  const jobs = d.jobs.length
    ? html`<table id="jobs"><tr><th>时间</th><th>事项</th><th>经办人</th><th>状态</th></tr>${d.jobs.map(
        (j) =>
          html`<tr><td>${chinaMinute(j.createdAt)}</td><td><a href="/jobs/${j.id}">${JOB_LABEL[j.kind] ?? j.kind}</a>${j.taskSetId ? ` ${j.taskSetId}` : ''}</td><td>${j.actor}</td><td class="${j.status === 'failed' ? 'bad' : j.status === 'done' ? 'ok' : ''}">${STATUS_LABEL[j.status] ?? j.status}</td></tr>`,
      )}</table>`
    : html``;
  return page(
    '导入与启动',
    html`<h2>导入分解表</h2>${form}<h2>任务集</h2>${sets}${d.jobs.length ? html`<h2>最近的导入与启动</h2>` : ''}${jobs}`,
    ctx,
  );
}

function importResult(
  ctx: PageContext,
  job: JobRow,
  r: ImportResult,
  text: string,
  startedAt: Date | null,
): ReturnType<typeof html> {
  const isOffice = ctx.user?.role === 'office';
  const summary = html`<pre class="raw" id="import-summary">${text}</pre>`;
  if (r.errors.length) {
    return html`<div class="box bad" id="import-failed"><p>导入失败，未写入任何数据。共 ${r.errors.length} 处错误，请修改表格后重新上传：</p></div>
<table id="import-errors" class="cards"><tr><th>文件</th><th>行</th><th>列</th><th>值</th><th>说明</th></tr>${r.errors.map(
      (e) =>
        html`<tr><td data-label="文件">${e.file}</td><td data-label="行">${e.row ?? ''}</td><td data-label="列">${e.column ?? ''}</td><td data-label="值">${e.value ?? ''}</td><td data-label="说明">${e.message}</td></tr>`,
    )}</table><p><a href="/import">重新上传</a></p>`;
  }
  if (r.pendingApply) {
    return html`<div class="box" id="import-diff"><p>任务集 ${r.taskSetId}「${r.name}」已存在，表格与现有数据有以下差异（尚未写入）：</p></div>${summary}
${isOffice && job.uploadId ? html`<form method="post" action="/uploads/${job.uploadId}/apply" id="apply-form">${csrfField(ctx)}<button type="submit">应用这些改动</button></form>` : ''}`;
  }
  return html`<div class="box ok" id="import-done"><p>${r.created ? '已导入' : r.applied ? '已更新' : '已是最新'}：任务集 ${r.taskSetId}「${r.name}」，${r.tasks} 项任务，${r.units} 个单位。</p></div>${summary}
${isOffice ? html`<p>${startedAt ? '该任务集已启动；新增的任务需再次启动：' : '下一步：为每项任务启动督办工作流（可重复执行，已启动的不会重复）。'}</p>${startForm(ctx, r.taskSetId, startedAt ? '启动新增任务' : '启动督办')}` : ''}
<p><a href="/?set=${encodeURIComponent(r.taskSetId)}">查看任务集</a></p>`;
}

export function jobPage(ctx: PageContext, job: JobRow, startedAt: Date | null): string {
  const title = JOB_LABEL[job.kind] ?? job.kind;
  let body;
  if (job.status === 'running') {
    const pct = job.total > 0 ? Math.min(100, Math.floor((job.done / job.total) * 100)) : 0;
    body = html`<p id="job-running">${title}进行中……本页每秒自动刷新。</p>
<progress id="job-progress" max="${job.total || 1}" value="${job.done}">${pct}%</progress><p class="muted">${job.done} / ${job.total || '?'}（${pct}%）</p>`;
  } else if (job.status === 'failed') {
    body = html`<div class="box bad" id="job-failed"><p>${job.error ?? '失败'}</p></div><p><a href="/import">返回</a></p>`;
  } else if (job.kind === 'start') {
    const r = job.result as { taskSetId: string; text: string; tasks: number };
    body = html`<progress id="job-progress" max="${r.tasks || 1}" value="${r.tasks || 1}">100%</progress><div class="box ok" id="start-done"><p>${r.text}</p></div><p><a href="/?set=${encodeURIComponent(r.taskSetId)}">查看任务与亮灯</a></p>`;
  } else {
    const r = job.result as { result: ImportResult; text: string };
    body = importResult(ctx, job, r.result, r.text, startedAt);
  }
  return page(
    title,
    html`<h2>${title}</h2><p class="muted">${chinaMinute(job.createdAt)} · 经办人 ${job.actor}</p>${body}`,
    ctx,
  );
}

// The reports page: each task set's half-year and year-end report in every format.
import { html } from '../../../lib/html.ts';
import { page, type PageContext } from '../layout.ts';

const FORMATS: [string, string][] = [
  ['html', '网页（可打印 A4）'],
  ['md', 'Markdown'],
  ['xlsx', 'Excel'],
  ['json', 'JSON'],
];

export function reportsPage(
  ctx: PageContext,
  sets: { id: string; name: string; year: number; _count: { tasks: number } }[],
): string {
  const body = sets.length
    ? html`<table id="reports" class="cards"><tr><th>任务集</th><th>半年完成情况</th><th>全年完成情况</th></tr>${sets.map(
        (s) =>
          html`<tr><td data-label="任务集">${s.name}<br><span class="muted">${s.id} · ${s.year} 年 · ${s._count.tasks} 项</span></td>${(
            ['midyear', 'final'] as const
          ).map(
            (kind) =>
              html`<td data-label="${kind === 'final' ? '全年完成情况' : '半年完成情况'}">${FORMATS.map(
                ([f, label]) =>
                  html`<a href="/reports/${encodeURIComponent(s.id)}/${kind}.${f}" data-report="${kind}.${f}">${label}</a><br>`,
              )}</td>`,
          )}</tr>`,
      )}</table>`
    : html`<p class="muted">还没有任务集。</p>`;
  return page(
    '报告',
    html`<h2>完成情况报告</h2><p class="muted">按督查室通报的格式生成；每次下载记入操作记录。</p>${body}`,
    ctx,
  );
}

// The sent-mail pages.
import { html, raw } from '../../../lib/html.ts';
import { chinaMinute, page, type PageContext } from '../layout.ts';
import { MAIL_KIND_LABEL, MAIL_STATUS_LABEL } from './task.ts';

export interface MailFilters {
  kind?: string;
  unit?: string;
  status?: string;
  set?: string;
  q?: string;
  page: number;
}

interface MailRow {
  id: number;
  kind: string;
  workflowId: string | null;
  unitName: string | null;
  toAddrs: string[];
  subject: string;
  sentAt: Date;
  status: string;
  failure: string | null;
}

const option = (value: string, label: string, chosen?: string) =>
  html`<option value="${value}"${raw(chosen === value ? ' selected' : '')}>${label}</option>`;

function urlWith(f: MailFilters, page: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, page: page > 1 ? page : undefined }))
    if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `/mail?${s}` : '/mail';
}

export function mailListPage(
  ctx: PageContext,
  d: {
    rows: MailRow[];
    total: number;
    pageSize: number;
    filters: MailFilters;
    units: string[];
    tasks: Map<string, { id: number; seq: string }>;
  },
): string {
  const f = d.filters;
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  const form = html`<form class="filters" method="get" action="/mail" id="mail-filters">
<label>类型<select name="kind">${option('', '全部')}${Object.entries(MAIL_KIND_LABEL)
    .filter(([k]) => k !== 'return')
    .map(([k, l]) => option(k, l, f.kind))}</select></label>
<label>单位<select name="unit">${option('', '全部')}${d.units.map((u) => option(u, u, f.unit))}</select></label>
<label>投递结果<select name="status">${option('', '全部')}${Object.entries(MAIL_STATUS_LABEL).map(([k, l]) => option(k, l, f.status))}</select></label>
<label>任务集<input name="set" value="${f.set ?? ''}" placeholder="如 2022-shapingba"></label>
<label>搜索<input name="q" value="${f.q ?? ''}" placeholder="主题、任务、收件地址"></label>
<button type="submit">筛选</button> <a href="/mail">清除</a></form>`;
  const table = d.rows.length
    ? html`<table id="mail" class="cards"><tr><th>时间</th><th>类型</th><th>单位</th><th>任务</th><th>主题</th><th>收件人</th><th>投递结果</th></tr>${d.rows.map(
        (m) => {
          const task = m.workflowId ? d.tasks.get(m.workflowId) : undefined;
          return html`<tr data-kind="${m.kind}" data-status="${m.status}"><td class="nw" data-label="时间">${chinaMinute(m.sentAt)}</td><td data-label="类型">${MAIL_KIND_LABEL[m.kind] ?? m.kind}</td><td data-label="单位">${m.unitName ?? ''}</td>
<td data-label="任务">${task ? html`<a href="/tasks/${task.id}">第${task.seq}项</a>` : (m.workflowId ?? '')}</td><td data-label="主题"><a href="/mail/${m.id}">${m.subject}</a></td><td data-label="收件人">${m.toAddrs.join('、')}</td>
<td data-label="投递结果" class="${m.status === 'sent' ? 'ok' : 'bad'}">${MAIL_STATUS_LABEL[m.status] ?? m.status}${m.failure ? html`<br><span class="muted">${m.failure}</span>` : ''}</td></tr>`;
        },
      )}</table>`
    : html`<p class="muted">没有符合条件的邮件。</p>`;
  const pager =
    pages > 1
      ? html`<p class="pager">第 ${f.page} / ${pages} 页 ${f.page > 1 ? html`<a href="${urlWith(f, f.page - 1)}">上一页</a>` : ''} ${f.page < pages ? html`<a href="${urlWith(f, f.page + 1)}">下一页</a>` : ''}</p>`
      : html``;
  return page('已发邮件', html`<h2>已发邮件（${d.total}）</h2>${form}${table}${pager}`, ctx);
}

export function mailDetailPage(
  ctx: PageContext,
  m: MailRow & { messageId: string; ccAddrs: string[]; raw: Uint8Array | null; inReplyTo: string | null },
  task: { id: number; seq: string } | null,
  text: string,
): string {
  return page(
    '邮件详情',
    html`<h2>${m.subject}</h2><table>
<tr><th>时间</th><td>${chinaMinute(m.sentAt)}</td></tr><tr><th>类型</th><td>${MAIL_KIND_LABEL[m.kind] ?? m.kind}</td></tr>
<tr><th>单位</th><td>${m.unitName ?? ''}</td></tr><tr><th>收件人</th><td>${m.toAddrs.join('、')}</td></tr><tr><th>抄送</th><td>${m.ccAddrs.join('、')}</td></tr>
<tr><th>任务</th><td>${task ? html`<a href="/tasks/${task.id}">第${task.seq}项</a>` : (m.workflowId ?? '')}</td></tr>
<tr><th>投递结果</th><td class="${m.status === 'sent' ? 'ok' : 'bad'}">${MAIL_STATUS_LABEL[m.status] ?? m.status}${m.failure ? `：${m.failure}` : ''}</td></tr>
<tr><th>Message-ID</th><td>${m.messageId}</td></tr>${m.inReplyTo ? html`<tr><th>回复的邮件</th><td>${m.inReplyTo}</td></tr>` : ''}</table>
${m.raw ? html`<p><a href="/mail/${m.id}.eml">下载原始邮件（.eml）</a></p>` : ''}<pre class="raw" id="mail-text">${text}</pre>`,
    ctx,
  );
}

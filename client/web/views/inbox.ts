// The office's inbox pages: every message that came in (mail and web form),
// what became of it and why, and one message with its raw text. Rendering
// only: the routes (routes/inbox.ts) read the rows.
import { html } from '../../../lib/html.ts';
import { page } from '../layout.ts';

export const OUTCOME_LABEL: Record<string, string> = {
  pending: '处理中',
  applied: '已报送',
  held: '待核实',
  refused: '已拒收',
  'auto-reply': '自动回复',
  bounce: '退信',
  unparseable: '无法解析',
};
const OUTCOME_CLASS: Record<string, string> = {
  applied: 'ok',
  refused: 'bad',
  bounce: 'bad',
  unparseable: 'bad',
  held: 'warn',
};

/** China time, to the minute: what the office's clocks say. */
export const chinaMinute = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

export interface InboxRow {
  id: number;
  messageId: string;
  source: string;
  receivedAt: Date;
  fromAddr: string | null;
  subject: string | null;
  outcome: string;
  reason: string | null;
  workflowId: string | null;
  unitName: string | null;
  attachments: number;
}

export interface FailingAddress {
  address: string;
  lastBounce: Date;
  reason: string | null;
}

export function inboxListPage(
  rows: InboxRow[],
  counts: Record<string, number>,
  failing: FailingAddress[],
): string {
  const filters = html`<p>${[
    html`<a href="/inbox">全部</a> `,
    ...Object.entries(OUTCOME_LABEL).map(
      ([k, label]) => html`· <a href="/inbox?outcome=${k}">${label}（${counts[k] ?? 0}）</a> `,
    ),
  ]}</p>`;
  const table = rows.length
    ? html`<table id="inbox"><tr><th>收到时间</th><th>渠道</th><th>发件人</th><th>主题</th><th>结果</th><th>说明</th><th>任务 / 单位</th><th>原始邮件</th></tr>${rows.map(
        (r) =>
          html`<tr data-outcome="${r.outcome}" data-message-id="${r.messageId}"><td>${chinaMinute(r.receivedAt)}</td><td>${r.source}</td><td>${r.fromAddr ?? ''}</td><td>${r.subject ?? ''}${r.attachments ? html` <span class="muted">（附件 ${r.attachments}）</span>` : ''}</td><td class="${OUTCOME_CLASS[r.outcome] ?? ''}">${OUTCOME_LABEL[r.outcome] ?? r.outcome}</td><td>${r.reason ?? ''}</td><td>${r.workflowId ?? ''}${r.unitName ? html`<br>${r.unitName}` : ''}</td><td><a href="/inbox/${r.id}.eml">下载 .eml</a> · <a href="/inbox/${r.id}">详情</a></td></tr>`,
      )}</table>`
    : html`<p class="muted">还没有收到邮件。</p>`;
  const bounces = failing.length
    ? html`<h2>投递失败的地址</h2><table id="failing"><tr><th>地址</th><th>最近退信</th><th>说明</th></tr>${failing.map(
        (f) =>
          html`<tr><td>${f.address}</td><td>${chinaMinute(f.lastBounce)}</td><td>${f.reason ?? ''}</td></tr>`,
      )}</table>`
    : html``;
  return page('收件', html`<h2>收到的邮件与网页报送</h2>${filters}${table}${bounces}`);
}

export interface InboxMessage {
  id: number;
  messageId: string;
  subject: string | null;
  fromAddr: string | null;
  outcome: string;
  reason: string | null;
  workflowId: string | null;
  unitName: string | null;
  reportKey: string | null;
  raw: Uint8Array;
  attachments: { id: number; filename: string; contentType: string; size: number }[];
}

export function inboxDetailPage(row: InboxMessage): string {
  const text = Buffer.from(row.raw).toString('utf8');
  return page(
    '邮件详情',
    html`<h2>${row.subject ?? '（无主题）'}</h2>
<table><tr><th>Message-ID</th><td>${row.messageId}</td></tr><tr><th>发件人</th><td>${row.fromAddr ?? ''}</td></tr>
<tr><th>结果</th><td class="${OUTCOME_CLASS[row.outcome] ?? ''}">${OUTCOME_LABEL[row.outcome] ?? row.outcome}</td></tr><tr><th>说明</th><td>${row.reason ?? ''}</td></tr>
<tr><th>任务</th><td>${row.workflowId ?? ''}</td></tr><tr><th>单位</th><td>${row.unitName ?? ''}</td></tr><tr><th>报告编号</th><td>${row.reportKey ?? ''}</td></tr>
<tr><th>附件</th><td>${row.attachments.map((a) => html`<a href="/inbox/attachment/${a.id}">${a.filename}</a> <span class="muted">${a.contentType}，${a.size} 字节</span><br>`)}</td></tr></table>
${
  row.outcome === 'held'
    ? html`<form method="post" action="/inbox/${row.id}/apply" class="box"><p>核实发件人确属该单位后，可放行这份报告（将标记为待人工核对）。</p><label>核实人 <input name="by" required></label> <button type="submit">核实放行</button></form>`
    : ''
}
<p><a href="/inbox/${row.id}.eml">下载原始邮件（.eml）</a></p><pre style="white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:8px;max-height:480px;overflow:auto">${text.slice(0, 20000)}</pre>`,
  );
}

export function notFoundPage(what: string): string {
  return page('未找到', html`<p>${what}</p>`);
}

export function actionFailedPage(title: string, message: string, back: string): string {
  return page(title, html`<p class="bad">${message}</p><p><a href="${back}">返回</a></p>`);
}

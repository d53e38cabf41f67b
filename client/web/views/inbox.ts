// The office's inbox pages: every message that came in (mail and web form),
// what became of it and why, and one message with its raw text. The outcome
// is shown as the workflow decided it: a reply routed to the workflow and then
// refused by it is shown refused, with the workflow's reason (its Report row,
// by the message's reportKey). Rendering only.
import { html } from '../../../lib/html.ts';
import { chinaMinute, csrfField, page, type PageContext } from '../layout.ts';

export { chinaMinute };

export const OUTCOME_LABEL: Record<string, string> = {
  pending: '处理中',
  applied: '已报送',
  held: '待核实',
  refused: '已拒收',
  'auto-reply': '自动回复',
  bounce: '退信',
  unparseable: '无法解析',
  failed: '处理失败',
};
export const OUTCOME_CLASS: Record<string, string> = {
  failed: 'bad',
  applied: 'ok',
  refused: 'bad',
  bounce: 'bad',
  unparseable: 'bad',
  held: 'warn',
};

/** The Report rows a message may have become (by key). */
export interface ReportDecision {
  key: string;
  accepted: boolean;
  refusalReason: string | null;
}

/** A message's outcome as the workflow decided it. */
export function effectiveOutcome(
  m: { outcome: string; reason: string | null; reportKey: string | null },
  reports: ReportDecision[] | Map<string, ReportDecision>,
): { outcome: string; label: string; reason: string | null } {
  const report = m.reportKey
    ? reports instanceof Map
      ? reports.get(m.reportKey)
      : reports.find((r) => r.key === m.reportKey)
    : undefined;
  if (m.outcome === 'applied' && report && !report.accepted) {
    return {
      outcome: 'refused',
      label: OUTCOME_LABEL.refused!,
      reason: `任务工作流拒收：${report.refusalReason ?? ''}`,
    };
  }
  return { outcome: m.outcome, label: OUTCOME_LABEL[m.outcome] ?? m.outcome, reason: m.reason };
}

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
  reportKey: string | null;
  attachments: number;
}

export interface FailingAddress {
  address: string;
  lastBounce: Date;
  reason: string | null;
}

export function inboxListPage(
  ctx: PageContext,
  rows: InboxRow[],
  decisions: Map<string, ReportDecision>,
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
    ? html`<table id="inbox" class="cards"><tr><th>收到时间</th><th>渠道</th><th>发件人</th><th>主题</th><th>结果</th><th>说明</th><th>任务 / 单位</th><th>原始邮件</th></tr>${rows.map(
        (r) => {
          const shown = effectiveOutcome(r, decisions);
          return html`<tr data-outcome="${shown.outcome}" data-message-id="${r.messageId}"><td data-label="收到时间">${chinaMinute(r.receivedAt)}</td><td data-label="渠道">${r.source}</td><td data-label="发件人">${r.fromAddr ?? ''}</td><td data-label="主题">${r.subject ?? ''}${r.attachments ? html` <span class="muted">（附件 ${r.attachments}）</span>` : ''}</td><td data-label="结果" class="${OUTCOME_CLASS[shown.outcome] ?? ''}">${shown.label}</td><td data-label="说明">${shown.reason ?? ''}</td><td data-label="任务 / 单位">${r.workflowId ?? ''}${r.unitName ? html`<br>${r.unitName}` : ''}</td><td data-label="原始邮件"><a href="/inbox/${r.id}.eml">下载 .eml</a> · <a href="/inbox/${r.id}">详情</a></td></tr>`;
        },
      )}</table>`
    : html`<p class="muted">还没有收到邮件。</p>`;
  const bounces = failing.length
    ? html`<h2>投递失败的地址</h2><table id="failing"><tr><th>地址</th><th>最近退信</th><th>说明</th></tr>${failing.map(
        (f) =>
          html`<tr><td>${f.address}</td><td>${chinaMinute(f.lastBounce)}</td><td>${f.reason ?? ''}</td></tr>`,
      )}</table>`
    : html``;
  return page('收件', html`<h2>收到的邮件与网页报送</h2>${filters}${table}${bounces}`, ctx);
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

export function inboxDetailPage(
  ctx: PageContext,
  row: InboxMessage,
  decision: ReportDecision | undefined,
  taskId: number | undefined,
): string {
  const text = Buffer.from(row.raw).toString('utf8');
  const shown = effectiveOutcome(row, decision ? [decision] : []);
  const isOffice = ctx.user?.role === 'office';
  return page(
    '邮件详情',
    html`<h2>${row.subject ?? '（无主题）'}</h2>
<table><tr><th>Message-ID</th><td>${row.messageId}</td></tr><tr><th>发件人</th><td>${row.fromAddr ?? ''}</td></tr>
<tr><th>结果</th><td class="${OUTCOME_CLASS[shown.outcome] ?? ''}" id="outcome">${shown.label}</td></tr><tr><th>说明</th><td id="reason">${shown.reason ?? ''}</td></tr>
<tr><th>任务</th><td>${taskId ? html`<a href="/tasks/${taskId}">${row.workflowId}</a>` : (row.workflowId ?? '')}</td></tr><tr><th>单位</th><td>${row.unitName ?? ''}</td></tr><tr><th>报告编号</th><td>${row.reportKey ?? ''}</td></tr>
<tr><th>附件</th><td>${row.attachments.map((a) => html`<a href="/inbox/attachment/${a.id}">${a.filename}</a> <span class="muted">${a.contentType}，${a.size} 字节</span><br>`)}</td></tr></table>
${
  row.outcome === 'held' && isOffice
    ? html`<div class="actions"><form method="post" action="/inbox/${row.id}/apply" id="apply-form">${csrfField(ctx)}<h3>核实放行</h3><p>核实发件人确属该单位后，可放行这份报告（将标记为待人工核对，由任务工作流决定是否采纳）。</p><button type="submit">核实放行</button></form>
<form method="post" action="/inbox/${row.id}/reject" id="reject-form">${csrfField(ctx)}<h3>拒收</h3><label>理由<input type="text" name="reason" required maxlength="500" placeholder="如：发件人并非该单位工作人员"></label><button type="submit" class="plain">拒收</button></form></div>`
    : ''
}
<p><a href="/inbox/${row.id}.eml">下载原始邮件（.eml）</a></p><pre class="raw">${text.slice(0, 20000)}</pre>`,
    ctx,
  );
}

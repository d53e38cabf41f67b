// The units' reply form (the link in every request mail): a page of its own
// style, for a unit's staff on a phone or a desktop. Rendering only.
import { escapeHtml, html, raw, type Raw } from '../../../lib/html.ts';
import type { TokenRefusal } from '../../../lib/mail/tokens.ts';
import { REPORT_STATUSES } from '../../../workflows/types.ts';

const REPLY_STYLE = `body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#a8161b;color:#fff;padding:10px 24px}main{max-width:760px;margin:0 auto;padding:16px 24px}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;white-space:nowrap;width:7em}label{display:block;margin:12px 0 4px;font-weight:bold}
select,input,textarea{font:inherit;padding:6px;width:100%;box-sizing:border-box}textarea{min-height:160px}
button{margin-top:16px;padding:8px 24px;font:inherit;background:#a8161b;color:#fff;border:0;border-radius:4px}
.ok{color:#137333}.bad{color:#b3261e}.box{background:#fff;border:1px solid #ddd;padding:12px 16px;margin:12px 0}`;

export function replyPage(title: string, body: Raw): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · 督办</title><style>${REPLY_STYLE}</style></head><body><header>督办 · 工作任务进展报送</header><main>${body.html}</main></body></html>`;
}

const TOKEN_REFUSALS: Record<TokenRefusal, string> = {
  伪造: '链接无效（签名不符）。请使用督查室邮件中的链接。',
  过期: '链接已过期。请使用最新一封请报送邮件中的链接，或与督查室联系。',
  格式错误: '链接不完整，请从邮件中完整复制。',
  未知引用: '链接不是督办系统发出的。',
};

export function refusedTokenPage(reason: TokenRefusal): string {
  return replyPage('链接无效', html`<div class="box bad"><p>${TOKEN_REFUSALS[reason]}</p></div>`);
}

/** What the unit typed, shown again when the form comes back with a message. */
export interface ReplyFormValues {
  status?: string;
  percent?: string;
  text?: string;
  reason?: string;
}

/** What the unit typed in the 延期申请 section, shown again with a message. */
export interface ExtensionFormValues {
  newDeadline?: string;
  reason?: string;
}

/** What the form shows about the task (from the database, when it has the task). */
export interface ReplyFormInfo {
  heading: string;
  rows: [string, string][];
  /** the link of the 交办 notice: submitting is the unit's 签收 as well */
  notice?: boolean;
  /** the task's current deadline (YYYY-MM-DD), the earliest a 延期申请 may ask beyond */
  deadline?: string;
}

export function replyFormPage(
  token: string,
  info: ReplyFormInfo,
  values: ReplyFormValues = {},
  message?: Raw,
  extension: ExtensionFormValues = {},
  extensionMessage?: Raw,
): string {
  return replyPage(
    '进展报送',
    html`<h2>${info.heading}</h2>
<table>${info.rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>
${message ?? ''}
<h3>${info.notice ? '签收与进展报送' : '进展报送'}</h3>
${info.notice ? html`<p>提交即为你单位签收本任务；有正在报送的期次时，同时作为该期的进展报告。</p>` : ''}
<form method="post" action="/reply/${token}" enctype="multipart/form-data">
<label for="status">状态</label><select id="status" name="status" required>${REPORT_STATUSES.map(
      (s) => html`<option value="${s}"${raw(values.status === s ? ' selected' : '')}>${s}</option>`,
    )}</select>
<label for="percent">进度（%）</label><input id="percent" name="percent" type="number" min="0" max="100" step="1" value="${values.percent ?? ''}">
<label for="text">具体进展</label><textarea id="text" name="text" required>${values.text ?? ''}</textarea>
<label for="reason">原因（滞后、受阻、部分完成、未完成时填写）</label><input id="reason" name="reason" value="${values.reason ?? ''}">
<label for="attachments">附件（可选，可多选，每个不超过 20 MB）</label><input id="attachments" name="attachments" type="file" multiple>
<button type="submit">提交</button></form>
<h3 id="extension">申请延期</h3>
<p>确需延长完成时限的，请在完成时限${info.deadline ? `（${info.deadline}）` : ''}前提出，写明新的完成时限和理由，督查室审批后以邮件回复。</p>
${extensionMessage ?? ''}
<form method="post" action="/reply/${token}/extension">
<label for="newDeadline">申请延至</label><input id="newDeadline" name="newDeadline" type="date" required${raw(info.deadline ? ` min="${escapeHtml(info.deadline)}"` : '')} value="${extension.newDeadline ?? ''}">
<label for="extensionReason">理由</label><textarea id="extensionReason" name="reason" required>${extension.reason ?? ''}</textarea>
<button type="submit">提交延期申请</button></form>`,
  );
}

export const errorsBox = (errors: string[]) =>
  html`<div class="box bad">${errors.map((e) => html`<p>${e}</p>`)}</div>`;

export const outcomeBox = (accepted: boolean, text: string) =>
  accepted
    ? html`<div class="box ok" id="result" data-accepted="true"><p>${text}</p></div>`
    : html`<div class="box bad" id="result" data-accepted="false"><p>${text}</p></div>`;

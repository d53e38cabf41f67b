// The task page: everything the office and an auditor need about one task,
// and (for the office) the forms of its actions, each asking for a reason.
import { html, raw, type Raw } from '../../../lib/html.ts';
import type { TimelineEntry } from '../../audit/timeline.ts';
import type { TaskView } from '../../../workflows/messages.ts';
import { VERDICTS } from '../../../workflows/types.ts';
import { chinaMinute, csrfField, isoDay, lightBadge, page, type PageContext } from '../layout.ts';
import type { loadTask } from '../routes/tasks.ts';
import { effectiveOutcome, OUTCOME_CLASS } from './inbox.ts';

export const ACTION_LABEL: Record<string, string> = {
  ack: '登记签收',
  return: '退回报告',
  extension: '处理延期申请',
  extend: '调整完成时限',
  reassign: '改派',
  suspend: '暂停',
  resume: '恢复',
  withdraw: '撤销',
  verdict: '评定',
};

export const MAIL_KIND_LABEL: Record<string, string> = {
  notice: '交办',
  request: '请报',
  reminder: '催办',
  escalation: '督办',
  verdict: '办结',
  returned: '退回',
  return: '退回',
  extension: '延期',
  'extension-filed': '延期申请',
  withdrawn: '撤销',
  other: '通知',
};
export const MAIL_STATUS_LABEL: Record<string, string> = {
  sent: '已发出',
  failed: '发送失败',
  bounced: '退信',
  sending: '发送中',
  uncertain: '发送结果不明',
};
const ROLE_LABEL: Record<string, string> = { lead: '牵头', co: '配合' };
const LEVEL_LABEL: Record<string, string> = { reminder1: '催办', reminder2: '再次催办', escalation: '督办' };
const PHASE_LABEL: Record<string, string> = {
  running: '进行中',
  suspended: '已暂停',
  review: '待评定（评定期内）',
  closed: '已办结',
  withdrawn: '已撤销',
};
const EXTENSION_STATUS: Record<string, string> = { pending: '待处理', approved: '已同意', refused: '未同意' };
const CHANNEL_LABEL: Record<string, string> = {
  email: '邮件',
  web: '网页',
  cli: '督查室登记',
  simulate: '演练',
};

export interface TaskPageData {
  task: Awaited<ReturnType<typeof loadTask>>;
  sent: {
    id: number;
    kind: string;
    unitName: string | null;
    subject: string;
    sentAt: Date;
    status: string;
    failure: string | null;
    toAddrs: string[];
  }[];
  inbound: {
    id: number;
    source: string;
    fromAddr: string | null;
    subject: string | null;
    receivedAt: Date;
    outcome: string;
    reason: string | null;
    reportKey: string | null;
  }[];
  /** report's inbound message id → the message row and its attachments */
  attachments: Map<string, { inboundId: number; files: { id: number; filename: string; size: number }[] }>;
  view?: TaskView;
  timeline?: TimelineEntry[];
  temporalProblem?: string;
  temporalUi?: string;
}

const reasonInput = (placeholder = '请写明理由') =>
  html`<label>理由<input type="text" name="reason" required maxlength="500" placeholder="${placeholder}"></label>`;

function actionForm(ctx: PageContext, taskId: number, action: string, body: Raw, button?: string): Raw {
  return html`<form method="post" action="/tasks/${taskId}/${action}" data-action="${action}"><h3>${ACTION_LABEL[action] ?? action}</h3>${csrfField(ctx)}${body}<button type="submit">${button ?? ACTION_LABEL[action] ?? '办理'}</button></form>`;
}

function officeActions(ctx: PageContext, d: TaskPageData): Raw {
  const t = d.task;
  const phase = d.view?.phase;
  const active = t.assignments.filter((a) => a.active);
  const lead = active.filter((a) => a.role === 'lead').map((a) => a.unit.name);
  const co = active.filter((a) => a.role === 'co').map((a) => a.unit.name);
  const unacked = active.filter((a) => !a.acknowledgedAt);
  const forms: Raw[] = [
    actionForm(
      ctx,
      t.id,
      'extend',
      html`<label>新的完成时限<input type="date" name="deadline" required value="${isoDay(t.deadline)}"></label>${reasonInput('如：汛期施工受限，经区领导同意')}`,
    ),
    actionForm(
      ctx,
      t.id,
      'verdict',
      html`<label>评定<select name="verdict"><option value="">确认拟定评定${d.view?.proposal ? `（${d.view.proposal.verdict}）` : ''}</option>${VERDICTS.map((v) => html`<option value="${v}">改定为：${v}</option>`)}</select></label>${reasonInput()}`,
      '提交评定',
    ),
    actionForm(
      ctx,
      t.id,
      'reassign',
      html`<label>牵头单位（用、分隔）<input type="text" name="lead" required value="${lead.join('、')}"></label><label>配合单位<input type="text" name="co" value="${co.join('、')}"></label>${reasonInput()}`,
    ),
    phase === 'suspended'
      ? actionForm(ctx, t.id, 'resume', reasonInput())
      : actionForm(ctx, t.id, 'suspend', reasonInput()),
    actionForm(ctx, t.id, 'withdraw', reasonInput(), '撤销任务'),
  ];
  if (unacked.length)
    forms.unshift(
      actionForm(
        ctx,
        t.id,
        'ack',
        html`<label>单位<select name="unit" required>${unacked.map((a) => html`<option>${a.unit.name}</option>`)}</select></label>${reasonInput('如：电话签收，经办人张科长')}`,
        '登记签收',
      ),
    );
  return html`<h2>办理</h2><p class="muted">每项办理都由任务工作流判断是否接受；不接受时显示其理由。办理人记为 ${ctx.user?.name ?? ''}。</p><div class="actions" id="actions">${forms}</div>`;
}

function verdictSection(d: TaskPageData): Raw {
  const v = d.task.verdict;
  const proposal = d.view?.proposal;
  if (v)
    return html`<div class="box" id="verdict"><strong>评定：${v.final}</strong>（拟定 ${v.proposed}；${v.decidedBy === 'office' ? (v.overridden ? '督查室改定' : '督查室确认') : '评定期满按拟定'}，${chinaMinute(v.decidedAt)}）${v.reason ? html`<br>理由：${v.reason}` : ''}</div>`;
  if (proposal)
    return html`<div class="box" id="verdict">拟定评定：<strong>${proposal.verdict}</strong>（${proposal.reason}）。评定期内督查室可确认或改定。</div>`;
  return html``;
}

export function taskPage(ctx: PageContext, d: TaskPageData, done?: string): string {
  const t = d.task;
  const isOffice = ctx.user?.role === 'office';
  const facts = html`<dl class="facts" id="facts">
<dt>任务集</dt><dd><a href="/?set=${encodeURIComponent(t.taskSetId)}">${t.taskSet.name}</a>（${t.taskSet.year}）</dd>
<dt>类别 / 分组</dt><dd>${t.category}${t.group ? ` / ${t.group}` : ''}</dd>
<dt>完成时限</dt><dd>${t.continuing ? '长期坚持' : isoDay(t.deadline)}${t.deadlineRaw ? html` <span class="muted">（表中：${t.deadlineRaw}）</span>` : ''}</dd>
<dt>状态</dt><dd id="state">${t.state}${d.view ? html` <span class="muted">工作流：${PHASE_LABEL[d.view.phase] ?? d.view.phase}</span>` : ''}</dd>
<dt>亮灯</dt><dd>${lightBadge(t.light)}</dd>
<dt>下次截止</dt><dd>${isoDay(t.nextDue)}</dd>
<dt>工作流</dt><dd><code>${t.workflowId}</code>${d.temporalUi ? html` · <a href="${d.temporalUi}" id="temporal-ui">在 Temporal 界面中查看</a>` : ''}</dd>
</dl>`;
  const doneBox = done
    ? html`<div class="box ok" id="done"><p>已办理：${ACTION_LABEL[done] ?? done}（任务工作流已接受${raw('')}）。页面数据随工作流的记录更新，如未显示请稍后刷新。</p></div>`
    : html``;
  const problem = d.temporalProblem
    ? html`<p class="muted" id="temporal-problem">${d.temporalProblem}；时间线与拟定评定暂不显示。</p>`
    : html``;

  const units = html`<h2>承办单位与签收</h2><table id="units" class="cards"><tr><th>单位</th><th>分工</th><th>签收</th><th>当前</th></tr>${t.assignments.map(
    (a) =>
      html`<tr><td data-label="单位"><a href="/units/${a.unit.id}">${a.unit.name}</a></td><td data-label="分工">${ROLE_LABEL[a.role] ?? a.role}</td>
<td data-label="签收" class="${a.acknowledgedAt ? 'ok' : 'warn'}">${a.acknowledgedAt ? `已签收 ${chinaMinute(a.acknowledgedAt)}${a.acknowledgedVia ? `（${CHANNEL_LABEL[a.acknowledgedVia] ?? a.acknowledgedVia}）` : ''}` : '未签收'}</td>
<td data-label="当前">${a.active ? '是' : `已改派${a.until ? `（${isoDay(a.until)}）` : ''}`}</td></tr>`,
  )}</table>`;

  const extensions = t.extensions.length
    ? html`<h2>延期申请</h2><table id="extensions"><tr><th>申请时间</th><th>单位</th><th>申请延至</th><th>理由</th><th>渠道</th><th>处理</th></tr>${t.extensions.map(
        (e) =>
          html`<tr data-key="${e.key}"><td class="nw">${chinaMinute(e.requestedAt)}</td><td>${e.unitName}</td><td class="nw">${isoDay(e.newDeadline)}</td><td>${e.reason}</td><td>${CHANNEL_LABEL[e.channel] ?? e.channel}</td>
<td>${EXTENSION_STATUS[e.status] ?? e.status}${e.decidedBy ? `（${e.decidedBy}${e.decisionReason ? `：${e.decisionReason}` : ''}）` : ''}${
            e.status === 'pending' && isOffice
              ? html`<form method="post" action="/tasks/${t.id}/extension" data-action="extension">${csrfField(ctx)}<input type="hidden" name="key" value="${e.key}">
<select name="decision"><option value="approve">同意</option><option value="refuse">不同意</option></select> <input type="text" name="reason" required maxlength="500" placeholder="理由"> <button type="submit">提交</button></form>`
              : ''
          }</td></tr>`,
      )}</table>`
    : html``;

  const requests = t.requests.length
    ? html`<h2>请报</h2><table id="requests" class="cards"><tr><th>期次</th><th>单位</th><th>发出</th><th>截止</th><th>状态</th><th>报送时间</th></tr>${t.requests.map(
        (r) =>
          html`<tr><td data-label="期次">${r.period === 'final' ? '最终报告' : r.period}</td><td data-label="单位">${r.unitName}</td><td class="nw" data-label="发出">${chinaMinute(r.requestedAt)}</td><td class="nw" data-label="截止">${isoDay(r.dueAt)}</td>
<td data-label="状态">${{ open: '待报送', reported: '已报送', closed: '已截止', extended: '已延期' }[r.status] ?? r.status}</td><td class="nw" data-label="报送时间">${r.reportedAt ? chinaMinute(r.reportedAt) : ''}</td></tr>`,
      )}</table>`
    : html``;

  const reports = t.reports.length
    ? html`<h2>报告</h2><table id="reports" class="cards"><tr><th>收到</th><th>单位</th><th>期次</th><th>状态</th><th>内容</th><th>附件</th><th>结果</th></tr>${t.reports.map(
        (r) => {
          const att = r.inboundMessageId ? d.attachments.get(r.inboundMessageId) : undefined;
          return html`<tr data-report-key="${r.key}"><td class="nw" data-label="收到">${chinaMinute(r.receivedAt)}<br><span class="muted">${CHANNEL_LABEL[r.channel] ?? r.channel}</span></td><td data-label="单位">${r.unitName}</td><td data-label="期次">${r.period === 'final' ? '最终报告' : r.period}</td>
<td class="nw" data-label="状态">${r.status}${r.percent !== null ? ` ${r.percent}%` : ''}</td><td data-label="内容">${r.text}${r.reason ? html`<br><span class="muted">原因：${r.reason}</span>` : ''}${r.needsReview ? html` <span class="warn">待核对</span>` : ''}</td>
<td data-label="附件">${att ? att.files.map((f) => html`<a href="/inbox/attachment/${f.id}">${f.filename}</a> <span class="muted">${f.size} 字节</span><br>`) : ''}${att ? html`<a class="muted" href="/inbox/${att.inboundId}">原件</a>` : ''}</td>
<td data-label="结果" class="${r.accepted ? 'ok' : 'bad'}">${r.accepted ? '已采纳' : `已拒收：${r.refusalReason ?? ''}`}${
            r.accepted && isOffice
              ? html`<form method="post" action="/tasks/${t.id}/return" data-action="return">${csrfField(ctx)}<input type="hidden" name="report" value="${r.key}"><input type="text" name="reason" required maxlength="500" placeholder="退回理由"> <button class="plain" type="submit">退回</button></form>`
              : ''
          }</td></tr>`;
        },
      )}</table>`
    : html`<h2>报告</h2><p class="muted">尚未收到报告。</p>`;

  const ladder =
    t.escalations.length || t.lightChanges.length
      ? html`<h2>催办、督办与亮灯</h2><table id="ladder"><tr><th>时间</th><th>事项</th></tr>${[
          ...t.escalations.map((e) => ({
            at: e.at,
            what: html`${LEVEL_LABEL[e.level] ?? e.level}：${e.unitName}（${e.period}）`,
          })),
          ...t.lightChanges.map((l) => ({ at: l.at, what: html`${lightBadge(l.to)} ${l.cause}` })),
        ]
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .map((x) => html`<tr><td class="nw">${chinaMinute(x.at)}</td><td>${x.what}</td></tr>`)}</table>`
      : html``;

  const thread = [
    ...d.sent.map((m) => ({
      at: m.sentAt,
      row: html`<tr data-kind="${m.kind}"><td class="nw">${chinaMinute(m.sentAt)}</td><td>发出 · ${MAIL_KIND_LABEL[m.kind] ?? m.kind}</td><td>${m.unitName ?? m.toAddrs.join('、')}</td><td><a href="/mail/${m.id}">${m.subject}</a></td><td class="${m.status === 'sent' ? '' : 'bad'}">${MAIL_STATUS_LABEL[m.status] ?? m.status}${m.failure ? `：${m.failure}` : ''}</td></tr>`,
    })),
    ...d.inbound.map((m) => {
      const shown = effectiveOutcome(m, t.reports);
      return {
        at: m.receivedAt,
        row: html`<tr data-inbound="${m.id}"><td class="nw">${chinaMinute(m.receivedAt)}</td><td>收到 · ${m.source === 'web' ? '网页报送' : '邮件'}</td><td>${m.fromAddr ?? ''}</td><td><a href="/inbox/${m.id}">${m.subject ?? '（无主题）'}</a></td><td class="${OUTCOME_CLASS[shown.outcome] ?? ''}">${shown.label}</td></tr>`,
      };
    }),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const threadHtml = thread.length
    ? html`<h2>往来邮件</h2><table id="thread"><tr><th>时间</th><th>方向</th><th>单位 / 发件人</th><th>主题</th><th>结果</th></tr>${thread.map((x) => x.row)}</table>`
    : html``;

  const timelineHtml = d.timeline
    ? html`<h2>时间线（工作流历史）</h2><details open><summary>${d.timeline.length} 条</summary><table id="timeline"><tr><th>时间（北京）</th><th>事项</th></tr>${d.timeline.map(
        (e) => html`<tr data-kind="${e.kind}"><td class="nw">${e.at}</td><td>${e.summary}</td></tr>`,
      )}</table></details>`
    : html``;

  return page(
    `第${t.seq}项`,
    html`<h2 id="title">第${t.seq}项：${t.text}</h2>${doneBox}${problem}${facts}${verdictSection(d)}${units}${extensions}${isOffice ? officeActions(ctx, d) : html`<p class="muted" id="read-only">审计账号只读：可查看与下载，不能办理。</p>`}${reports}${requests}${ladder}${threadHtml}${timelineHtml}`,
    ctx,
  );
}

// The units' pages: the table a year's 考核 starts from, and one unit's record
// with the chart of its tasks' lights over the year.
import { html, raw } from '../../../lib/html.ts';
import { chinaMinute, isoDay, lightBadge, page, type PageContext } from '../layout.ts';
import { lightsChartSvg } from './chart.ts';

export interface UnitSummary {
  lead: number;
  co: number;
  /** reported after the due day */
  late: number;
  /** not reported although reminded */
  missed: number;
  reminders: number;
  escalations: number;
  verdicts: { 完成: number; 部分完成: number; 未完成: number };
}

const LEVEL_LABEL: Record<string, string> = { reminder1: '催办', reminder2: '再次催办', escalation: '督办' };

export function unitListPage(
  ctx: PageContext,
  d: {
    sets: { id: string; name: string; year: number }[];
    set?: { id: string; name: string; year: number };
    units: { id: number; code: string; name: string }[];
    summaries: Map<string, UnitSummary>;
  },
): string {
  const setLinks =
    d.sets.length > 1
      ? html`<p>${d.sets.map((s) => html`<a href="/units?set=${encodeURIComponent(s.id)}">${s.name}</a> `)}</p>`
      : html``;
  const table = d.units.length
    ? html`<table id="unit-list" class="cards"><tr><th>代码</th><th>单位</th><th>牵头</th><th>配合</th><th>逾期报送</th><th>未报（已催办）</th><th>催办</th><th>督办</th><th>完成</th><th>部分完成</th><th>未完成</th></tr>${d.units.map(
        (u) => {
          const s = d.summaries.get(u.name);
          return html`<tr data-unit="${u.name}"><td data-label="代码">${u.code}</td><td data-label="单位"><a href="/units/${u.id}">${u.name}</a></td><td class="num" data-label="牵头">${s?.lead ?? 0}</td><td class="num" data-label="配合">${s?.co ?? 0}</td>
<td class="num" data-label="逾期报送">${s?.late ?? 0}</td><td class="num ${s?.missed ? 'bad' : ''}" data-label="未报（已催办）">${s?.missed ?? 0}</td><td class="num" data-label="催办">${s?.reminders ?? 0}</td><td class="num ${s?.escalations ? 'bad' : ''}" data-label="督办">${s?.escalations ?? 0}</td>
<td class="num" data-label="完成">${s?.verdicts.完成 ?? 0}</td><td class="num" data-label="部分完成">${s?.verdicts.部分完成 ?? 0}</td><td class="num" data-label="未完成">${s?.verdicts.未完成 ?? 0}</td></tr>`;
        },
      )}</table>`
    : html`<p class="muted">没有单位。</p>`;
  return page(
    '单位',
    html`<h2>${d.set ? `${d.set.name}（${d.set.year} 年）· 各单位` : '各单位'}</h2>${setLinks}<p class="muted">考核依据：牵头与配合任务数、逾期报送、已催办仍未报送、催办与督办次数、牵头任务的评定。</p>${table}`,
    ctx,
  );
}

interface UnitTask {
  role: string;
  active: boolean;
  acknowledgedAt: Date | null;
  task: {
    id: number;
    seq: string;
    text: string;
    state: string;
    light: string;
    deadline: Date;
    verdict: { final: string; reason: string | null } | null;
    lightChanges: { at: Date; to: string }[];
    requests: { requestedAt: Date }[];
  };
}

/**
 * When a task's year began for the chart: the set's start, or its first
 * request or light change when earlier (a set started on a clock of its own,
 * as a rehearsal or the sample, lives on the workflow's dates).
 */
function sinceOf(startedAt: Date | null, task: UnitTask['task']): Date | null {
  const times = [
    startedAt?.getTime(),
    task.requests[0]?.requestedAt.getTime(),
    ...task.lightChanges.map((c) => c.at.getTime()),
  ].filter((t): t is number => t !== undefined);
  return times.length ? new Date(Math.min(...times)) : null;
}

export function unitPage(
  ctx: PageContext,
  d: {
    unit: {
      id: number;
      name: string;
      code: string;
      emails: string[];
      taskSet: { id: string; name: string; year: number; startedAt: Date | null };
    };
    assignments: UnitTask[];
    late: { task: { id: number; seq: string }; period: string; dueAt: Date; reportedAt: Date | null }[];
    escalations: { task: { id: number; seq: string }; period: string; level: string; at: Date }[];
    summary?: UnitSummary;
    /** the set's present: now, or its latest event when its workflows run on a clock of their own */
    until: number;
  },
): string {
  const u = d.unit;
  const leadTasks = d.assignments.filter((a) => a.role === 'lead' && a.active);
  const chart = lightsChartSvg(
    u.taskSet.year,
    leadTasks.map((a) => ({ since: sinceOf(u.taskSet.startedAt, a.task), changes: a.task.lightChanges })),
    `${u.name} 牵头任务亮灯（${leadTasks.length} 项）`,
    d.until,
  );
  const tasks = html`<table id="unit-tasks" class="cards"><tr><th>序号</th><th>工作任务</th><th>分工</th><th>签收</th><th>状态</th><th>亮灯</th><th>完成时限</th><th>评定</th></tr>${d.assignments.map(
    (a) =>
      html`<tr><td data-label="序号">${a.task.seq}</td><td data-label="工作任务"><a href="/tasks/${a.task.id}">${a.task.text}</a></td><td data-label="分工">${a.role === 'lead' ? '牵头' : '配合'}${a.active ? '' : '（已改派）'}</td>
<td data-label="签收">${a.acknowledgedAt ? chinaMinute(a.acknowledgedAt) : '未签收'}</td><td data-label="状态">${a.task.state}</td><td data-label="亮灯">${lightBadge(a.task.light)}</td><td data-label="完成时限">${isoDay(a.task.deadline)}</td>
<td data-label="评定">${a.task.verdict ? `${a.task.verdict.final}${a.task.verdict.reason ? `（${a.task.verdict.reason}）` : ''}` : ''}</td></tr>`,
  )}</table>`;
  const late = d.late.length
    ? html`<table id="late"><tr><th>任务</th><th>期次</th><th>截止</th><th>报送</th></tr>${d.late.map(
        (r) =>
          html`<tr><td><a href="/tasks/${r.task.id}">第${r.task.seq}项</a></td><td>${r.period === 'final' ? '最终报告' : r.period}</td><td>${isoDay(r.dueAt)}</td><td class="bad">${r.reportedAt ? `逾期报送 ${chinaMinute(r.reportedAt)}` : '未报送'}</td></tr>`,
      )}</table>`
    : html`<p class="muted">没有逾期或未报。</p>`;
  const escalations = d.escalations.length
    ? html`<table id="escalations"><tr><th>时间</th><th>任务</th><th>期次</th><th>事项</th></tr>${d.escalations.map(
        (e) =>
          html`<tr><td>${chinaMinute(e.at)}</td><td><a href="/tasks/${e.task.id}">第${e.task.seq}项</a></td><td>${e.period}</td><td class="${e.level === 'escalation' ? 'bad' : 'warn'}">${LEVEL_LABEL[e.level] ?? e.level}</td></tr>`,
      )}</table>`
    : html`<p class="muted">没有催办或督办。</p>`;
  const s = d.summary;
  return page(
    u.name,
    html`<h2>${u.name}</h2><p class="muted">${u.taskSet.name}（${u.taskSet.year} 年）· 代码 ${u.code} · 报送邮箱 ${u.emails.join('、')}</p>
${s ? html`<p id="unit-summary">牵头 ${s.lead} 项、配合 ${s.co} 项；逾期报送 ${s.late} 次，已催办仍未报送 ${s.missed} 次；催办 ${s.reminders} 次、督办 ${s.escalations} 次；评定：完成 ${s.verdicts.完成}、部分完成 ${s.verdicts.部分完成}、未完成 ${s.verdicts.未完成}。</p>` : ''}
${raw(chart)}<h3>任务</h3>${tasks}<h3>逾期与未报</h3>${late}<h3>催办与督办</h3>${escalations}`,
    ctx,
  );
}

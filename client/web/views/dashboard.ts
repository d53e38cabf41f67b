// The overview page: health, task sets, the filter form, the counts by light
// and the task table (one card per task on a phone).
import { html, raw, type Raw } from '../../../lib/html.ts';
import type { Health } from '../../health.ts';
import type { DeskDeps } from '../deps.ts';
import { chinaMinute, isoDay, lightBadge, LIGHT_LABEL, page, type PageContext } from '../layout.ts';

export const TASK_STATES = ['未启动', '进行中', '已暂停', '待评定', '已办结', '已撤销'] as const;

export interface DashboardFilters {
  set?: string;
  group?: string;
  unit?: string;
  light?: string;
  status?: string;
  overdue: boolean;
  q?: string;
}

const PART_LABEL: Record<string, string> = {
  temporal: 'Temporal',
  database: '数据库',
  smtp: 'SMTP 邮件',
  worker: 'Worker',
  mailbox: '收件邮箱',
};

/** Every part checkHealth reports, whatever parts it has. */
export function healthTable(h: Health): Raw {
  const parts = Object.entries(h as unknown as Record<string, unknown>).filter(
    (entry): entry is [string, { ok: boolean; detail: string }] =>
      typeof entry[1] === 'object' && entry[1] !== null && 'ok' in entry[1],
  );
  return html`<h2>运行状态</h2><table id="health"><tr><th>组件</th><th>状态</th><th>说明</th></tr>${parts.map(
    ([key, p]) =>
      html`<tr data-part="${PART_LABEL[key] ?? key}"><td>${PART_LABEL[key] ?? key}</td><td class="${p.ok ? 'ok' : 'bad'}">${p.ok ? '✔ 正常' : '✘ 异常'}</td><td>${p.detail}</td></tr>`,
  )}</table>`;
}

interface SetRow {
  id: string;
  name: string;
  year: number;
  startedAt: Date | null;
  _count: { tasks: number };
}

interface TaskRow {
  id: number;
  seq: string;
  category: string;
  group: string | null;
  text: string;
  deadline: Date;
  continuing: boolean;
  state: string;
  light: string;
  nextDue: Date | null;
  lastReport: string | null;
  assignments: { role: string; acknowledgedAt: Date | null; unit: { name: string } }[];
}

export interface DashboardData {
  health: Health;
  sets: SetRow[];
  failing: { address: string; lastBounce: Date; reason: string | null }[];
  filters: DashboardFilters;
  deps: DeskDeps;
  current?: {
    set: SetRow;
    tasks: TaskRow[];
    counts: Record<string, number>;
    overdue: Set<number>;
    groups: string[];
    units: string[];
  };
}

/** The dashboard's URL with these filters (empty ones left out). */
export function dashboardUrl(f: Partial<DashboardFilters>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === false || v === '') continue;
    q.set(k, v === true ? '1' : String(v));
  }
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

const option = (value: string, label: string, chosen?: string) =>
  html`<option value="${value}"${raw(chosen === value ? ' selected' : '')}>${label}</option>`;

function filterForm(f: DashboardFilters, c: NonNullable<DashboardData['current']>): Raw {
  return html`<form class="filters" method="get" action="/" id="filters"><input type="hidden" name="set" value="${c.set.id}">
<label>分组<select name="group">${option('', '全部')}${c.groups.map((g) => option(g, g, f.group))}</select></label>
<label>单位<select name="unit">${option('', '全部')}${c.units.map((u) => option(u, u, f.unit))}</select></label>
<label>亮灯<select name="light">${option('', '全部')}${['green', 'yellow', 'red'].map((l) => option(l, LIGHT_LABEL[l]!, f.light))}</select></label>
<label>状态<select name="status">${option('', '全部')}${TASK_STATES.map((s) => option(s, s, f.status))}</select></label>
<label>逾期<select name="overdue">${option('', '全部')}${option('1', '仅逾期未报', f.overdue ? '1' : '')}</select></label>
<label>搜索<input name="q" value="${f.q ?? ''}" placeholder="任务、序号、单位"></label>
<button type="submit">筛选</button> <a href="${dashboardUrl({ set: c.set.id })}">清除</a></form>`;
}

function taskTable(c: NonNullable<DashboardData['current']>): Raw {
  if (!c.tasks.length) return html`<p class="muted" id="no-tasks">没有符合条件的任务。</p>`;
  return html`<table id="tasks" class="cards"><tr><th>序号</th><th>类别</th><th>分组</th><th>工作任务</th><th>牵头单位</th><th>完成时限</th><th>状态</th><th>亮灯</th><th>签收</th><th>下次截止</th><th>最近报告</th></tr>
${c.tasks.map((t) => {
  const lead = t.assignments.filter((a) => a.role === 'lead');
  const acked = lead.filter((a) => a.acknowledgedAt).length;
  return html`<tr data-seq="${t.seq}" data-light="${t.light}"><td class="nw" data-label="序号">${t.seq}</td><td class="nw" data-label="类别">${t.category}</td><td data-label="分组">${t.group ?? ''}</td>
<td data-label="工作任务"><a href="/tasks/${t.id}">${t.text}</a></td><td data-label="牵头单位">${lead.map((a) => a.unit.name).join('、')}</td>
<td class="nw" data-label="完成时限">${t.continuing ? '长期坚持' : isoDay(t.deadline)}</td><td class="nw" data-label="状态">${t.state}${c.overdue.has(t.id) ? html` <span class="bad">逾期</span>` : ''}</td>
<td class="nw" data-label="亮灯">${lightBadge(t.light)}</td><td class="nw" data-label="签收">${lead.length ? `${acked}/${lead.length}` : ''}</td>
<td class="nw" data-label="下次截止">${isoDay(t.nextDue)}</td><td data-label="最近报告">${t.lastReport ?? ''}</td></tr>`;
})}</table>`;
}

export function dashboardPage(ctx: PageContext, d: DashboardData): string {
  const config = d.deps.config;
  const ui = config.web.temporalUiUrl;
  const links = html`<p class="muted">Temporal 界面：${ui ? html`<a href="${ui}">${ui}</a>` : config.temporal.address} · 单位报送页面：${config.web.publicUrl}</p>`;
  const failingHtml = d.failing.length
    ? html`<h2 class="bad">失效邮箱（${d.failing.length}）</h2><table id="failing"><tr><th>邮箱</th><th>最近退信</th><th>原因</th></tr>${d.failing.map(
        (f) =>
          html`<tr><td>${f.address}</td><td>${chinaMinute(f.lastBounce)}</td><td>${f.reason ?? ''}</td></tr>`,
      )}</table>`
    : html``;
  const setsHtml = html`<h2>任务集</h2><table id="sets"><tr><th>编号</th><th>名称</th><th>年度</th><th>任务数</th><th>启动</th></tr>${d.sets.map(
    (s) =>
      html`<tr><td><a href="/?set=${encodeURIComponent(s.id)}">${s.id}</a></td><td>${s.name}</td><td>${s.year}</td><td>${s._count.tasks}</td><td>${s.startedAt ? isoDay(s.startedAt) : '未启动'}</td></tr>`,
  )}</table>`;
  let tasksHtml = html`<p class="muted">还没有任务集。在<a href="/import">导入与启动</a>上传分解表，或用 <code>duban import</code> 导入。</p>`;
  const c = d.current;
  if (c) {
    const f = d.filters;
    const total = c.counts.green! + c.counts.yellow! + c.counts.red!;
    const countLink = (light: string | undefined, label: Raw | string, n: number) =>
      html`<a href="${dashboardUrl({ ...f, set: c.set.id, light })}" data-count="${light ?? 'all'}">${label} ${n}</a>`;
    tasksHtml = html`<h2>${c.set.name}（${c.set.year} 年，${c.set._count.tasks} 项）</h2>
${filterForm(f, c)}
<div class="counts" id="counts">${countLink(undefined, '全部', total)}${(['green', 'yellow', 'red'] as const).map((l) => countLink(l, lightBadge(l), c.counts[l] ?? 0))}</div>
<p class="muted">显示 ${c.tasks.length} 项 · <a href="/units?set=${encodeURIComponent(c.set.id)}">按单位查看</a> · <a href="/reports">报告下载</a></p>
${taskTable(c)}`;
  }
  return page('总览', html`${healthTable(d.health)}${links}${failingHtml}${setsHtml}${tasksHtml}`, ctx);
}

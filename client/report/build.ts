// The office's half-year (半年完成情况) and year-end (全年完成情况) reports,
// read from the database. The year-end report is the 完成情况通报 offices
// publish: the opening count by category ("141项目标任务（预期目标10项、重点工作任务
// 131项）中，…"), one numbered paragraph per task not completed with its reason
// and "（第N项）", and the table 目标任务 | 牵头单位 | 工作推进情况 | 效果评估 | 备注.
// The half-year report follows the same style: headline targets, the key
// tasks by theme ("一是…二是…", see
// ../shared/data/examples/wanzhou-2022-midyear-report.txt), then what needs
// attention with the late units named. document.ts lays it out, render.ts
// writes it in each format.
import type { PrismaClient } from '../../lib/db.ts';
import { proposeVerdict } from '../../workflows/verdict.ts';
import type { ReportStatus } from '../../workflows/types.ts';
import {
  clause,
  finalHeadline,
  ladderPhrase,
  midyearHeadline,
  paragraphNumber,
  progressPhrase,
  type CategoryCount,
} from './text.ts';

export { chineseOrdinal } from './text.ts';

export type ReportKind = 'midyear' | 'final';

/** One lead unit's latest accepted report on or before the cut-off. */
export interface UnitProgress {
  unit: string;
  period: string;
  status: string;
  percent: number | null;
  text: string;
  /** the unit's own reason (部分完成, 未完成, 滞后, 受阻) */
  reason: string | null;
  reportedAt: string;
}

export interface ReportRow {
  seq: string;
  category: string;
  group: string | null;
  task: string;
  leadUnits: string[];
  /** latest accepted report on or before the cut-off, of any lead unit */
  status: string | null;
  percent: number | null;
  lastReport: string | null;
  reportedAt: string | null;
  /** green / yellow / red on the cut-off day (from the light changes when there are any) */
  light: string;
  verdict: string | null;
  reason: string | null;
  /** 未启动 / 进行中 / 已暂停 / 已撤销 / 待评定 / 已办结 */
  state: string;
  /** each lead unit's latest accepted report (units that reported nothing are left out) */
  progress: UnitProgress[];
  /** 催办 and 督办 on or before the cut-off */
  reminders: number;
  escalations: number;
  /** requests due before the cut-off day that had no accepted report by then */
  overdue: number;
  /** office (confirmed or overridden) / default (the proposal stood); null before the verdict */
  decidedBy: string | null;
  overridden: boolean;
  /** the table's 工作推进情况: the last accepted report's text (per lead unit when several) */
  progressText: string;
  /** the table's 效果评估: the verdict (year-end) or the latest status (half-year) */
  assessment: string;
  /** the table's 备注: the verdict's reason and who decided (year-end), the light and the ladder (half-year) */
  remark: string;
}

/** A task not completed, as the numbered paragraph "（一）任务。原因。（第N项）" tells it. */
export interface Shortfall {
  /** （一）（二）… within its section */
  number: string;
  seq: string;
  task: string;
  leadUnits: string[];
  verdict: string;
  reason: string;
  /** the whole paragraph */
  text: string;
}

/** A half-year task that needs attention: late, blocked, red, or not reported. */
export interface AttentionItem {
  number: string;
  seq: string;
  task: string;
  leadUnits: string[];
  progress: string;
  text: string;
}

/** A unit that reported late (reminded, escalated) or not at all, on or before the cut-off. */
export interface LateUnit {
  unit: string;
  /** requests due before the cut-off that it had not answered by then */
  unreported: number;
  reminders: number;
  escalations: number;
}

export interface OfficeReport {
  taskSetId: string;
  name: string;
  year: number;
  kind: ReportKind;
  title: string;
  /** reports received on or before this date count (YYYY-MM-DD) */
  asOf: string;
  tasks: number;
  byStatus: Record<string, number>;
  verdicts: Record<string, number>;
  /** per 类别, in the table's order: tasks, assessments (完成…待评定/已撤销), latest statuses */
  byCategory: CategoryCount[];
  /** the opening sentence */
  headline: string;
  /** year-end: 部分完成 tasks, then 未完成 ones, each numbered from （一） in its section */
  partial: Shortfall[];
  unfinished: Shortfall[];
  /** half-year: what needs attention, numbered */
  attention: AttentionItem[];
  lateUnits: LateUnit[];
  /** requests due on or before the cut-off (0: nothing was due yet, so nobody can be late) */
  requestsDue: number;
  reminders: number;
  escalations: number;
  rows: ReportRow[];
}

const bySeq = (a: { seq: string; sourceRow: number | null }, b: { seq: string; sourceRow: number | null }) =>
  (a.sourceRow ?? 0) - (b.sourceRow ?? 0) || a.seq.localeCompare(b.seq, 'zh', { numeric: true });

const chinaDay = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

const FINAL_PERIOD = 'final';

export const needsAttention = (r: ReportRow) =>
  r.state !== '已撤销' &&
  (r.status === null || r.status === '滞后' || r.status === '受阻' || r.light === 'red' || r.overdue > 0);

type FinalReport = {
  unit: string;
  status: string;
  percent: number | null;
  text: string;
  reason: string | null;
};

/**
 * The workflow's proposal reason, without the words around it ("评定期满，督查室未改定，
 * 按建议评定：…"): the same pure rule (workflows/verdict.ts) over each lead unit's
 * final report, joined as the workflow joins them. Used only when the verdict's
 * reason ends with it, i.e. when the database holds the reports the workflow saw.
 */
function proposalReason(leadUnits: string[], finals: FinalReport[]): string {
  const parts = leadUnits.map((unit) => {
    const r = finals.find((f) => f.unit === unit);
    const proposal = proposeVerdict(
      r && {
        status: r.status as ReportStatus,
        percent: r.percent,
        text: r.text,
        reason: r.reason ?? undefined,
      },
    );
    return { unit, reason: proposal.reason };
  });
  return parts.length === 1 ? parts[0]!.reason : parts.map((p) => `${p.unit}：${p.reason}`).join('；');
}

/**
 * Why a task did not complete, in the words a published paragraph uses: the
 * office's own reason when it overrode the proposal; else what its lead units
 * wrote in their final reports; else the verdict's reason (no final report, a
 * percent below 100, …). Identical reasons of several units are said once.
 */
function shortfallReason(
  verdict: { reason: string | null; overridden: boolean } | null,
  leadUnits: string[],
  finals: FinalReport[],
): string {
  const full = verdict?.reason ?? '';
  if (!verdict || verdict.overridden) return clause(full);
  const said = finals.filter((f) => f.reason && clause(f.reason));
  const distinct = [...new Set(said.map((f) => clause(f.reason!)))];
  if (distinct.length === 1) return distinct[0]!;
  if (distinct.length > 1) return said.map((f) => `${f.unit}：${clause(f.reason!)}`).join('；');
  const proposal = leadUnits.length ? proposalReason(leadUnits, finals) : '';
  return clause(proposal && full.endsWith(proposal) ? proposal : full);
}

function progressTextOf(progress: UnitProgress[]): string {
  const texts = progress.filter((p) => clause(p.text));
  if (!texts.length) return '尚未报送进展';
  if (new Set(texts.map((p) => clause(p.text))).size === 1) return texts[0]!.text.trim();
  return texts.map((p) => `${p.unit}：${clause(p.text)}`).join('；');
}

export async function buildReport(
  prisma: PrismaClient,
  taskSetId: string,
  kind: ReportKind,
  asOf?: string,
): Promise<OfficeReport | null> {
  const set = await prisma.taskSet.findUnique({ where: { id: taskSetId } });
  if (!set) return null;
  // the year-end default reaches into the next year: late verdicts and extensions count
  const cutoff = asOf ?? (kind === 'midyear' ? `${set.year}-06-30` : `${set.year + 1}-12-31`);
  const cutoffEnd = new Date(`${cutoff}T23:59:59.999+08:00`);
  const final = kind === 'final';
  const [tasks, ladder, due, lightChanges] = await Promise.all([
    prisma.task.findMany({
      where: { taskSetId },
      include: {
        assignments: {
          where: { active: true, role: 'lead' },
          include: { unit: true },
          orderBy: { id: 'asc' },
        },
        reports: {
          where: { accepted: true, receivedAt: { lte: cutoffEnd } },
          orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        },
        verdict: true,
      },
    }),
    prisma.escalation.findMany({
      where: { task: { taskSetId }, at: { lte: cutoffEnd } },
      select: { taskId: true, unitName: true, level: true },
    }),
    // due before the cut-off day (a request due on the cut-off day may still be answered that day)
    prisma.request.findMany({
      where: {
        task: { taskSetId, state: { not: '已撤销' } },
        dueAt: { lt: new Date(`${cutoff}T00:00:00Z`) },
      },
      select: { taskId: true, unitName: true, reportedAt: true },
    }),
    prisma.lightChange.findMany({
      where: { task: { taskSetId } },
      select: { taskId: true, to: true, at: true },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    }),
  ]);
  tasks.sort(bySeq);

  const late = new Map<string, LateUnit>();
  const lateUnit = (unit: string) => {
    let u = late.get(unit);
    if (!u) late.set(unit, (u = { unit, unreported: 0, reminders: 0, escalations: 0 }));
    return u;
  };
  const ladderOfTask = new Map<number, { reminders: number; escalations: number }>();
  for (const e of ladder) {
    const t = ladderOfTask.get(e.taskId) ?? { reminders: 0, escalations: 0 };
    ladderOfTask.set(e.taskId, t);
    if (e.level === 'escalation') {
      t.escalations++;
      lateUnit(e.unitName).escalations++;
    } else {
      t.reminders++;
      lateUnit(e.unitName).reminders++;
    }
  }
  const overdueOfTask = new Map<number, number>();
  for (const r of due) {
    if (r.reportedAt && r.reportedAt <= cutoffEnd) continue;
    lateUnit(r.unitName).unreported++;
    overdueOfTask.set(r.taskId, (overdueOfTask.get(r.taskId) ?? 0) + 1);
  }
  // the light on the cut-off day: a half-year report written in December shows June's lights
  const lightAtCutoff = new Map<number, string>();
  for (const c of lightChanges) {
    if (!lightAtCutoff.has(c.taskId)) lightAtCutoff.set(c.taskId, 'green');
    if (c.at <= cutoffEnd) lightAtCutoff.set(c.taskId, c.to);
  }

  const byStatus: Record<string, number> = {};
  const verdicts: Record<string, number> = { 完成: 0, 部分完成: 0, 未完成: 0 };
  const categories = new Map<string, CategoryCount>();
  const partial: Shortfall[] = [];
  const unfinished: Shortfall[] = [];
  const rows: ReportRow[] = tasks.map((t) => {
    const latest = t.reports[0];
    const status = latest?.status ?? null;
    const statusKey = status ?? '未报送';
    byStatus[statusKey] = (byStatus[statusKey] ?? 0) + 1;
    const leadUnits = t.assignments.map((a) => a.unit.name);
    const progress: UnitProgress[] = leadUnits.flatMap((unit) => {
      const r = t.reports.find((x) => x.unitName === unit);
      return r
        ? [
            {
              unit,
              period: r.period,
              status: r.status,
              percent: r.percent,
              text: r.text,
              reason: r.reason,
              reportedAt: chinaDay(r.receivedAt),
            },
          ]
        : [];
    });
    const decided = final && t.verdict && t.verdict.decidedAt <= cutoffEnd ? t.verdict : null;
    const verdict = decided?.final ?? null;
    if (verdict) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
    const assessmentWord = verdict ?? (t.state === '已撤销' ? '已撤销' : '待评定');
    const counts = ladderOfTask.get(t.id) ?? { reminders: 0, escalations: 0 };
    const overdue = overdueOfTask.get(t.id) ?? 0;
    const light = lightAtCutoff.get(t.id) ?? t.light;
    const lightWord = { yellow: '黄灯', red: '红灯' }[light] ?? '';

    let category = categories.get(t.category);
    if (!category) {
      category = { category: t.category, tasks: 0, assessments: {}, byStatus: {} };
      categories.set(t.category, category);
    }
    category.tasks++;
    category.byStatus[statusKey] = (category.byStatus[statusKey] ?? 0) + 1;
    category.assessments[assessmentWord] = (category.assessments[assessmentWord] ?? 0) + 1;

    if (verdict === '部分完成' || verdict === '未完成') {
      // each lead unit's latest final report, in the table's order of units
      const finals = leadUnits.flatMap((unit) => {
        const r = t.reports.find((x) => x.period === FINAL_PERIOD && x.unitName === unit);
        return r ? [{ unit, status: r.status, percent: r.percent, text: r.text, reason: r.reason }] : [];
      });
      const reason = shortfallReason(decided, leadUnits, finals);
      const list = verdict === '部分完成' ? partial : unfinished;
      const number = paragraphNumber(list.length + 1);
      list.push({
        number,
        seq: t.seq,
        task: t.text,
        leadUnits,
        verdict,
        reason,
        text: `${number}${clause(t.text)}。${reason ? `${reason}。` : ''}（第${t.seq}项）`,
      });
    }

    return {
      seq: t.seq,
      category: t.category,
      group: t.group,
      task: t.text,
      leadUnits,
      status,
      percent: latest?.percent ?? null,
      lastReport: latest?.text ?? null,
      reportedAt: latest ? chinaDay(latest.receivedAt) : null,
      light,
      verdict,
      reason: decided?.reason ?? null,
      state: t.state,
      progress,
      reminders: counts.reminders,
      escalations: counts.escalations,
      overdue,
      decidedBy: decided?.decidedBy ?? null,
      overridden: decided?.overridden ?? false,
      progressText: progressTextOf(progress),
      assessment: final
        ? assessmentWord
        : t.state === '已撤销'
          ? '已撤销'
          : progressPhrase(status, latest?.percent ?? null),
      remark: final
        ? (decided?.reason ?? (t.state === '已撤销' ? '任务已撤销' : ''))
        : [lightWord, ladderPhrase(counts.reminders, counts.escalations, overdue)].filter(Boolean).join('；'),
    };
  });

  const attention: AttentionItem[] = rows.filter(needsAttention).map((r, i) => {
    const number = paragraphNumber(i + 1);
    const progress = progressPhrase(r.status, r.percent);
    const why = r.progress.map((p) => p.reason).find((x) => x && clause(x));
    return {
      number,
      seq: r.seq,
      task: r.task,
      leadUnits: r.leadUnits,
      progress,
      text: `${number}${clause(r.task)}：${progress}${why ? `，${clause(why)}` : ''}${r.overdue ? `，逾期未报 ${r.overdue} 期` : ''}${r.light === 'red' ? '，已亮红灯' : ''}。牵头单位：${r.leadUnits.join('、') || '无'}。（第${r.seq}项）`,
    };
  });

  const byCategory = [...categories.values()];
  const lateUnits = [...late.values()]
    .filter((u) => u.unreported || u.reminders || u.escalations)
    .sort(
      (a, b) =>
        b.escalations - a.escalations ||
        b.reminders - a.reminders ||
        b.unreported - a.unreported ||
        a.unit.localeCompare(b.unit, 'zh'),
    );
  const title = `${set.name}——${set.year}年${kind === 'midyear' ? '上半年' : '全年'}完成情况`;
  return {
    taskSetId,
    name: set.name,
    year: set.year,
    kind,
    title,
    asOf: cutoff,
    tasks: tasks.length,
    byStatus,
    verdicts,
    byCategory,
    headline: final
      ? finalHeadline(tasks.length, byCategory, asOf)
      : midyearHeadline(tasks.length, byCategory, byStatus, cutoff),
    partial,
    unfinished,
    attention: final ? [] : attention,
    lateUnits,
    requestsDue: due.length,
    reminders: ladder.filter((e) => e.level !== 'escalation').length,
    escalations: ladder.filter((e) => e.level === 'escalation').length,
    rows,
  };
}

/** The key tasks grouped by theme, in the table's order. */
export function themes(rows: ReportRow[]): { group: string; rows: ReportRow[] }[] {
  const out: { group: string; rows: ReportRow[] }[] = [];
  for (const r of rows.filter((x) => x.category !== '预期目标')) {
    const group = r.group ?? '其他工作';
    let g = out.find((x) => x.group === group);
    if (!g) out.push((g = { group, rows: [] }));
    g.rows.push(r);
  }
  return out;
}

/** Every theme of the table (targets included), for the year-end counts by theme. */
export function allThemes(rows: ReportRow[]): { group: string; rows: ReportRow[] }[] {
  const out: { group: string; rows: ReportRow[] }[] = [];
  for (const r of rows) {
    const group = r.group ?? r.category;
    let g = out.find((x) => x.group === group);
    if (!g) out.push((g = { group, rows: [] }));
    g.rows.push(r);
  }
  return out;
}

// The office's half-year (半年完成情况) and year-end (全年完成情况) reports,
// read from the database: headline targets first (预期目标), then the key
// tasks grouped by theme ("一是…二是…", as offices publish them — see
// ../shared/data/examples/wanzhou-2022-midyear-report.txt), then what needs
// attention (late, blocked, not reported). The year-end report adds each
// task's verdict.
import type { PrismaClient } from '../../lib/db.ts';

export type ReportKind = 'midyear' | 'final';

export interface ReportRow {
  seq: string;
  category: string;
  group: string | null;
  task: string;
  leadUnits: string[];
  /** latest accepted report on or before the cut-off, per lead unit joined */
  status: string | null;
  percent: number | null;
  lastReport: string | null;
  reportedAt: string | null;
  light: string;
  verdict: string | null;
  reason: string | null;
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
  rows: ReportRow[];
}

export const CHINESE_NUMERALS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/** 1 → 一, 12 → 十二, 23 → 二十三 (enough for any table's themes). */
export function chineseOrdinal(n: number): string {
  if (n <= 10) return CHINESE_NUMERALS[n]!;
  if (n < 20) return `十${CHINESE_NUMERALS[n - 10]}`;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${CHINESE_NUMERALS[tens]}十${ones ? CHINESE_NUMERALS[ones] : ''}`;
}

const bySeq = (a: { seq: string; sourceRow: number | null }, b: { seq: string; sourceRow: number | null }) =>
  (a.sourceRow ?? 0) - (b.sourceRow ?? 0) || a.seq.localeCompare(b.seq, 'zh', { numeric: true });

export async function buildReport(
  prisma: PrismaClient,
  taskSetId: string,
  kind: ReportKind,
  asOf?: string,
): Promise<OfficeReport | null> {
  const set = await prisma.taskSet.findUnique({ where: { id: taskSetId } });
  if (!set) return null;
  const cutoff = asOf ?? (kind === 'midyear' ? `${set.year}-06-30` : `${set.year + 1}-12-31`);
  const cutoffEnd = new Date(`${cutoff}T23:59:59.999+08:00`);
  const tasks = await prisma.task.findMany({
    where: { taskSetId },
    include: {
      assignments: { where: { active: true, role: 'lead' }, include: { unit: true } },
      reports: { where: { accepted: true, receivedAt: { lte: cutoffEnd } }, orderBy: { receivedAt: 'desc' } },
      verdict: true,
    },
  });
  tasks.sort(bySeq);
  const byStatus: Record<string, number> = {};
  const verdicts: Record<string, number> = { 完成: 0, 部分完成: 0, 未完成: 0 };
  const rows: ReportRow[] = tasks.map((t) => {
    const latest = t.reports[0];
    const status = latest?.status ?? null;
    byStatus[status ?? '未报送'] = (byStatus[status ?? '未报送'] ?? 0) + 1;
    const verdict = kind === 'final' ? (t.verdict?.final ?? null) : null;
    if (verdict) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
    return {
      seq: t.seq,
      category: t.category,
      group: t.group,
      task: t.text,
      leadUnits: t.assignments.map((a) => a.unit.name),
      status,
      percent: latest?.percent ?? null,
      lastReport: latest?.text ?? null,
      reportedAt: latest
        ? new Date(latest.receivedAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
        : null,
      light: t.light,
      verdict,
      reason: kind === 'final' ? (t.verdict?.reason ?? null) : null,
    };
  });
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

export const needsAttention = (r: ReportRow) =>
  r.status === null || r.status === '滞后' || r.status === '受阻' || r.light === 'red';

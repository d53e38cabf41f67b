// The proposed completion verdict (评定) of a task from its final report, as
// a pure function. The office confirms or overrides it with a reason inside
// the review window; if it does neither, the proposal stands and is marked
// as such by the workflow.
//
// Rules, in order:
// 1. no final report                        → 未完成（未在期限内提交最终报告）
// 2. 完成 with a stated percent below 100    → 部分完成 (the words and the number disagree;
//                                              the number is the more specific claim)
//    完成 otherwise                          → 完成
// 3. 部分完成                                → 部分完成, with the unit's reason
// 4. 未完成 / 滞后 / 受阻                     → 未完成, with the unit's reason
// 5. 推进中 at the end                        → 部分完成 when the stated percent is ≥ 50,
//                                              else 未完成 (also when no percent is stated)

import type { ReportStatus, Verdict } from './types.ts';

/** 推进中 at the deadline with at least this percent counts as 部分完成. */
export const IN_PROGRESS_PARTIAL_THRESHOLD = 50;

export interface FinalReportSummary {
  status: ReportStatus;
  percent: number | null;
  text: string;
  reason?: string;
}

function withUnitWords(head: string, final: FinalReportSummary): string {
  const why = (final.reason ?? '').trim();
  if (why) return `${head}；单位说明：${why}`;
  const text = final.text.trim();
  if (!text) return head;
  // Keep the reason short enough for a report table cell.
  return `${head}；报告摘要：${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
}

export function proposeVerdict(final: FinalReportSummary | undefined): { verdict: Verdict; reason: string } {
  if (!final) return { verdict: '未完成', reason: '未在期限内提交最终报告' };
  const pct = final.percent !== null && Number.isFinite(final.percent) ? final.percent : null;
  switch (final.status) {
    case '完成':
      if (pct !== null && pct < 100) {
        return {
          verdict: '部分完成',
          reason: withUnitWords(`最终报告称“完成”，但所报进度为 ${pct}%`, final),
        };
      }
      return { verdict: '完成', reason: '最终报告：完成' };
    case '部分完成':
      return {
        verdict: '部分完成',
        reason: withUnitWords(`最终报告：部分完成${pct !== null ? `（进度 ${pct}%）` : ''}`, final),
      };
    case '未完成':
    case '滞后':
    case '受阻':
      return {
        verdict: '未完成',
        reason: withUnitWords(`最终报告：${final.status}${pct !== null ? `（进度 ${pct}%）` : ''}`, final),
      };
    case '推进中':
      if (pct === null) {
        return { verdict: '未完成', reason: withUnitWords('截止时仍在推进中，且未报进度', final) };
      }
      if (pct >= IN_PROGRESS_PARTIAL_THRESHOLD) {
        return {
          verdict: '部分完成',
          reason: withUnitWords(
            `截止时仍在推进中，进度 ${pct}%（不低于 ${IN_PROGRESS_PARTIAL_THRESHOLD}%）`,
            final,
          ),
        };
      }
      return {
        verdict: '未完成',
        reason: withUnitWords(
          `截止时仍在推进中，进度 ${pct}%（低于 ${IN_PROGRESS_PARTIAL_THRESHOLD}%）`,
          final,
        ),
      };
    default: {
      const never: never = final.status;
      return { verdict: '未完成', reason: `无法识别的报告状态：${String(never)}` };
    }
  }
}

// Closing a task: the verdict proposed from the lead units' final reports
// (verdict.ts judges one report), and the close itself — the office's
// decision if it took one inside the review window, else the proposal,
// marked as such — with the verdict mails.
import { proposeVerdict } from './verdict.ts';
import type { Verdict } from './types.ts';
import type { TaskVerdict } from './messages.ts';
import { periodUnitKey } from './task-data.ts';
import type { TaskMachine } from './state.ts';

const VERDICT_RANK: Record<Verdict, number> = { 完成: 2, 部分完成: 1, 未完成: 0 };

/** The proposal from each lead unit's final report; the weakest one counts. */
export function proposal(machine: TaskMachine): { verdict: Verdict; reason: string } {
  const data = machine.data;
  const parts = data.lead.map((unit) => {
    const key = machine.isReported('final', unit.name)
      ? data.accepted[periodUnitKey('final', unit.name)]
      : undefined;
    const report = key ? data.reports[key] : undefined;
    return {
      unit: unit.name,
      ...proposeVerdict(
        report && {
          status: report.status,
          percent: report.percent,
          text: report.text,
          reason: report.reason,
        },
      ),
    };
  });
  const worst = parts.reduce((a, b) => (VERDICT_RANK[b.verdict] < VERDICT_RANK[a.verdict] ? b : a));
  const reason =
    parts.length === 1 ? worst.reason : parts.map((part) => `${part.unit}：${part.reason}`).join('；');
  return { verdict: worst.verdict, reason };
}

/** Closes the task with the office's decision or, the window over, the proposal. */
export function close(machine: TaskMachine, now: number): void {
  const data = machine.data;
  const proposed = proposal(machine);
  const office = data.officeDecision;
  const overridden = Boolean(office?.verdict && office.verdict !== proposed.verdict);
  const verdict: TaskVerdict = office
    ? {
        proposed: proposed.verdict,
        final: office.verdict ?? proposed.verdict,
        reason: overridden
          ? `督查室改定（${office.by}）：${office.reason}`
          : `督查室确认（${office.by}）：${proposed.reason}`,
        decidedBy: 'office',
        overridden,
        decidedAt: now,
      }
    : {
        proposed: proposed.verdict,
        final: proposed.verdict,
        reason: `评定期满，督查室未改定，按建议评定：${proposed.reason}`,
        decidedBy: 'default',
        overridden: false,
        decidedAt: now,
      };
  data.verdict = verdict;
  data.phase = 'closed';
  machine.emit({
    type: 'verdict',
    proposed: verdict.proposed,
    final: verdict.final,
    reason: verdict.reason,
    decidedBy: verdict.decidedBy,
    overridden,
    at: now,
  });
  for (const unit of data.lead) {
    machine.mail(
      `verdict/${unit.name}`,
      'verdict',
      { topic: 'verdict', verdict: verdict.final, reason: verdict.reason },
      now,
      { unit, cc: data.co },
    );
  }
}

// The 催办 → 督办 ladder for one unit and one period, as a pure function.
// Each rung falls on a working day counted from the due date, at the start
// of the sending hours, so a reminder never lands on a holiday or a weekend
// (and does land on a 调休 Saturday, when offices work). A report stops the
// ladder for that period; that is the workflow's job, not this function's.

import { atChinaTime, type WorkingCalendar } from './calendar.ts';
import type { IsoDate, LadderLevel, LadderStep, ScheduleSettings } from './types.ts';

export const LADDER_LABELS: Record<LadderLevel, string> = {
  reminder1: '催办',
  reminder2: '再次催办',
  escalation: '督办',
};

/**
 * reminder1 (催办) reminderAfterWorkingDays working days after the due date;
 * reminder2 (再次催办) and a yellow light after yellowAfterWorkingDays;
 * escalation (督办, to the unit's leader and the office) and a red light after
 * escalateAfterWorkingDays; each at sendFrom (China time) on that day. The
 * due date itself never counts: due on a Friday, reminder1 on Monday.
 */
export function ladderFor(dueOn: IsoDate, settings: ScheduleSettings, cal: WorkingCalendar): LadderStep[] {
  const at = (n: number) =>
    atChinaTime(cal.addWorkingDays(dueOn, Math.max(1, n)), settings.quietHours.sendFrom);
  const steps: LadderStep[] = [
    { level: 'reminder1', at: at(settings.reminderAfterWorkingDays) },
    { level: 'reminder2', at: at(settings.yellowAfterWorkingDays), light: 'yellow' },
    { level: 'escalation', at: at(settings.escalateAfterWorkingDays), light: 'red' },
  ];
  // Settings out of order (yellow before the first reminder) would fire rungs
  // out of order; a stable sort keeps the ladder's sequence by time.
  return steps.sort((a, b) => a.at - b.at);
}

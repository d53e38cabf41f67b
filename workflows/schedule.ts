// The reporting schedule of one task as pure functions: when each progress
// request (请报) goes out, when it is due, when the final report is asked
// for, and when the office's review window closes. Workflow code: every
// instant comes in as a parameter (epoch ms), nothing reads the clock.
//
// Rules (DESIGN.md "The task workflow"):
// - a request goes out on settings.requestDay and is due on settings.dueDay
//   of the period's month, each moved to the next working day of the Chinese
//   calendar (holidays and 调休);
// - mail goes out only inside the sending hours (settings.quietHours) on a
//   working day;
// - a deadline that falls on a non-working day moves to the next working
//   day, as 民法典 第二百零三条 does for the last day of a period;
// - the final report (最终报告) is requested finalRequestWorkingDaysBefore
//   working days before the deadline; periodic requests that would be due
//   on or after that request are dropped, so a unit never has a monthly
//   report and the final report open for the same weeks.

import {
  addDays,
  atChinaTime,
  chinaMinutesOfDay,
  isIsoDate,
  parseHhmm,
  toIsoDate,
  type WorkingCalendar,
} from './calendar.ts';
import type { IsoDate, Period, ScheduleSettings } from './types.ts';

export const FINAL_PERIOD_ID = 'final';
export const FINAL_PERIOD_LABEL = '最终报告';

const QUARTER_NAMES = ['一', '二', '三', '四'] as const;

/**
 * The earliest moment ≥ `at` inside the sending hours (China time) on a
 * working day. The window is [sendFrom, sendUntil): a moment exactly at
 * sendUntil waits for the next working morning.
 */
export function sendTime(at: number, settings: ScheduleSettings, cal: WorkingCalendar): number {
  const from = parseHhmm(settings.quietHours.sendFrom);
  const until = parseHhmm(settings.quietHours.sendUntil);
  const day = toIsoDate(at);
  if (cal.isWorkingDay(day)) {
    const minute = chinaMinutesOfDay(at);
    if (minute < from) return atChinaTime(day, settings.quietHours.sendFrom);
    if (minute < until) return at;
  }
  return atChinaTime(cal.addWorkingDays(day, 1), settings.quietHours.sendFrom);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Day `day` of a month, clamped to the month's last day (dueDay 31 in February → the 28th/29th). */
export function dayOfMonth(year: number, month: number, day: number): IsoDate {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad2(month)}-${pad2(Math.min(Math.max(1, Math.trunc(day)), last))}`;
}

interface RawPeriod {
  id: string;
  label: string;
  requestOn: IsoDate;
  dueOn: IsoDate;
}

/** The periodic requests of the cadence, before moving to working days and filtering. */
function rawPeriods(year: number, lastYear: number, settings: ScheduleSettings): RawPeriod[] {
  const out: RawPeriod[] = [];
  const cadence = settings.cadence;
  if (cadence.kind === 'custom') {
    cadence.requests.forEach((r, i) => {
      out.push({
        id: `custom-${i + 1}`,
        label: `第${i + 1}次进度报告`,
        requestOn: r.requestOn,
        dueOn: r.dueOn,
      });
    });
    return out;
  }
  for (let y = year; y <= lastYear; y++) {
    for (let m = 1; m <= 12; m++) {
      let id: string;
      let label: string;
      if (cadence.kind === 'monthly') {
        id = `${y}-${pad2(m)}`;
        label = `${y}年${m}月`;
      } else if (cadence.kind === 'quarterly') {
        if (m % 3 !== 0) continue;
        id = `${y}-Q${m / 3}`;
        label = `${y}年第${QUARTER_NAMES[m / 3 - 1]}季度`;
      } else {
        if (m % 6 !== 0) continue;
        id = `${y}-H${m / 6}`;
        label = `${y}年${m === 6 ? '上' : '下'}半年`;
      }
      out.push({
        id,
        label,
        requestOn: dayOfMonth(y, m, settings.requestDay),
        dueOn: dayOfMonth(y, m, settings.dueDay),
      });
    }
  }
  return out;
}

/** The final report's due date: the deadline, moved to the next working day. */
export function finalDueOn(deadline: IsoDate, cal: WorkingCalendar): IsoDate {
  return cal.nextWorkingDay(deadline);
}

/**
 * The periodic progress requests from `startedAt` to the deadline, then
 * exactly one final period. Periods whose request moment is not after
 * `startedAt` are skipped (a task started on 21 January gets no January
 * request); so are periods due on or after the final request. Periods come
 * out in request order; ids are stable ("2022-03", "2022-Q1", "2022-H1",
 * "custom-1" by position in the settings, "final").
 */
export function planPeriods(input: {
  year: number;
  startedAt: number;
  deadline: IsoDate;
  settings: ScheduleSettings;
  cal: WorkingCalendar;
}): Period[] {
  const { year, startedAt, deadline, settings, cal } = input;
  const sendFrom = settings.quietHours.sendFrom;

  const finalDue = finalDueOn(deadline, cal);
  const plannedFinalRequest = sendTime(
    atChinaTime(
      cal.subtractWorkingDays(deadline, Math.max(0, settings.finalRequestWorkingDaysBefore)),
      sendFrom,
    ),
    settings,
    cal,
  );
  // Started too late for the usual notice: ask for the final report at once.
  const finalRequestAt =
    plannedFinalRequest > startedAt ? plannedFinalRequest : sendTime(startedAt, settings, cal);
  const finalRequestDay = toIsoDate(finalRequestAt);

  const lastYear = Math.max(year, Number(deadline.slice(0, 4)));
  const periodic: Period[] = [];
  for (const raw of rawPeriods(year, lastYear, settings)) {
    const requestDay = cal.nextWorkingDay(raw.requestOn);
    const dueOn = cal.nextWorkingDay(raw.dueOn);
    const requestAt = sendTime(atChinaTime(requestDay, sendFrom), settings, cal);
    if (requestAt <= startedAt) continue;
    if (dueOn >= finalRequestDay) continue;
    // A custom date pair given backwards would ask for a report already due.
    if (dueOn < toIsoDate(requestAt)) continue;
    periodic.push({ id: raw.id, label: raw.label, requestAt, dueOn, final: false });
  }
  periodic.sort((a, b) => a.requestAt - b.requestAt);

  return [
    ...periodic,
    {
      id: FINAL_PERIOD_ID,
      label: FINAL_PERIOD_LABEL,
      requestAt: finalRequestAt,
      dueOn: finalDue,
      final: true,
    },
  ];
}

/**
 * The end of the office's review window: reviewWorkingDays working days
 * after the final due date, at sendUntil (China time). Until then the office
 * may confirm or override the proposed verdict; afterwards it stands.
 */
export function reviewEndsAt(deadlineDue: IsoDate, settings: ScheduleSettings, cal: WorkingCalendar): number {
  return atChinaTime(
    cal.addWorkingDays(deadlineDue, settings.reviewWorkingDays),
    settings.quietHours.sendUntil,
  );
}

/** The moment a report for a period becomes late: the end of its due date (China time). */
export function dueEndsAt(dueOn: IsoDate): number {
  return atChinaTime(addDays(dueOn, 1), '00:00');
}

/**
 * Problems with a task set's settings, in Chinese, for the importer and
 * `duban start` to refuse before any workflow runs (empty when valid).
 */
export function validateSettings(settings: ScheduleSettings): string[] {
  const errors: string[] = [];
  const intIn = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max)
      errors.push(`${name} 应为 ${min}–${max} 的整数，实际为 ${v}`);
  };
  intIn('requestDay（请报日）', settings.requestDay, 1, 31);
  intIn('dueDay（报送截止日）', settings.dueDay, 1, 31);
  if (settings.cadence.kind !== 'custom' && settings.dueDay < settings.requestDay) {
    errors.push(`dueDay（${settings.dueDay}）不应早于 requestDay（${settings.requestDay}）`);
  }
  intIn('reminderAfterWorkingDays（催办）', settings.reminderAfterWorkingDays, 1, 60);
  intIn('yellowAfterWorkingDays（黄灯）', settings.yellowAfterWorkingDays, 1, 60);
  intIn('escalateAfterWorkingDays（督办）', settings.escalateAfterWorkingDays, 1, 60);
  if (
    settings.reminderAfterWorkingDays > settings.yellowAfterWorkingDays ||
    settings.yellowAfterWorkingDays > settings.escalateAfterWorkingDays
  ) {
    errors.push('应满足 催办 ≤ 黄灯 ≤ 督办 的工作日数');
  }
  if (!(settings.lagMarginPercent >= 0 && settings.lagMarginPercent <= 100)) {
    errors.push(`lagMarginPercent（进度滞后阈值）应在 0–100 之间，实际为 ${settings.lagMarginPercent}`);
  }
  intIn('finalRequestWorkingDaysBefore（最终报告提前请报）', settings.finalRequestWorkingDaysBefore, 0, 250);
  intIn('reviewWorkingDays（评定期）', settings.reviewWorkingDays, 0, 250);
  let from = NaN;
  let until = NaN;
  try {
    from = parseHhmm(settings.quietHours.sendFrom);
    until = parseHhmm(settings.quietHours.sendUntil);
  } catch (e) {
    errors.push(`发送时段：${(e as Error).message}`);
  }
  if (from >= until) errors.push('发送时段的开始时间应早于结束时间');
  if (settings.cadence.kind === 'custom') {
    if (settings.cadence.requests.length === 0) errors.push('自定义报送安排至少需要一个日期');
    settings.cadence.requests.forEach((r, i) => {
      if (!isIsoDate(r.requestOn) || !isIsoDate(r.dueOn)) {
        errors.push(`自定义报送第 ${i + 1} 次：日期应为 YYYY-MM-DD 格式的有效日期`);
      } else if (r.dueOn < r.requestOn) {
        errors.push(`自定义报送第 ${i + 1} 次：截止日 ${r.dueOn} 早于请报日 ${r.requestOn}`);
      }
    });
  }
  return errors;
}

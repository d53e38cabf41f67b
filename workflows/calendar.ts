// Dates and working days in China time (UTC+8, no daylight saving), as pure
// functions. Workflow code: the calendar data comes in the workflow input
// (built by lib/calendar-data.ts), so a replayed history uses exactly
// the calendar it was started with, and nothing here reads the clock.
//
// Date arithmetic goes through Date.UTC / getUTC*, which are deterministic;
// no `new Date()` without arguments and no local time zone anywhere.

import type { CalendarData, IsoDate } from './types.ts';

const DAY_MS = 86_400_000;
/** China Standard Time is UTC+8 all year. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

/** A working-day search gives up after this many days (a calendar with no working day at all is broken data). */
const MAX_SEARCH_DAYS = 3_700;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM = /^(\d{1,2}):(\d{2})$/;

/** Days since 1970-01-01 for a valid ISO date; throws on anything else (a bad date is a bug upstream). */
function dayNumber(date: IsoDate): number {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`日期格式应为 YYYY-MM-DD：${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`不存在的日期：${date}`);
  }
  return ms / DAY_MS;
}

function fromDayNumber(n: number): IsoDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** True for a well-formed, existing YYYY-MM-DD date. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  try {
    dayNumber(value);
    return true;
  } catch {
    return false;
  }
}

/** Minutes after midnight for "HH:MM" (00:00–24:00); throws on anything else. */
export function parseHhmm(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  const h = m ? Number(m[1]) : NaN;
  const mi = m ? Number(m[2]) : NaN;
  if (!m || h > 24 || mi > 59 || (h === 24 && mi !== 0)) {
    throw new RangeError(`时间格式应为 HH:MM：${JSON.stringify(hhmm)}`);
  }
  return h * 60 + mi;
}

/** The China-time calendar date of an instant. */
export function toIsoDate(epochMs: number): IsoDate {
  return fromDayNumber(Math.floor((epochMs + CHINA_OFFSET_MS) / DAY_MS));
}

/** The instant of a China-time wall clock moment ("HH:MM") on a date. */
export function atChinaTime(date: IsoDate, hhmm: string): number {
  return dayNumber(date) * DAY_MS + parseHhmm(hhmm) * 60_000 - CHINA_OFFSET_MS;
}

/** Minutes after China-time midnight of an instant. */
export function chinaMinutesOfDay(epochMs: number): number {
  const ms = (epochMs + CHINA_OFFSET_MS) % DAY_MS;
  return Math.floor((ms < 0 ? ms + DAY_MS : ms) / 60_000);
}

export function addDays(date: IsoDate, n: number): IsoDate {
  return fromDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: IsoDate): number {
  // 1970-01-01 was a Thursday (4).
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

/** Whole days from one date to another (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** "2022-10-08" → "2022年10月8日", for mails and pages. */
export function chineseDate(date: IsoDate): string {
  dayNumber(date);
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/** "星期六" for a date. */
export function chineseWeekday(date: IsoDate): string {
  return `星期${'日一二三四五六'[weekday(date)]}`;
}

/**
 * The Chinese working-day calendar: Monday–Friday, except public holidays
 * (法定节假日, including the weekdays given off for 调休), plus the weekend
 * days declared working days (调休上班).
 */
export class WorkingCalendar {
  private readonly holidays: ReadonlySet<IsoDate>;
  private readonly workdays: ReadonlySet<IsoDate>;

  constructor(data: CalendarData) {
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
  }

  isWorkingDay(d: IsoDate): boolean {
    // A date in both lists is bad data; the make-up working day wins because
    // a unit that works that day expects the office's mail.
    if (this.workdays.has(d)) return true;
    if (this.holidays.has(d)) return false;
    const wd = weekday(d);
    return wd !== 0 && wd !== 6;
  }

  /** `d` itself when it is a working day, else the first working day after it. */
  nextWorkingDay(d: IsoDate): IsoDate {
    let cur = d;
    for (let i = 0; i <= MAX_SEARCH_DAYS; i++) {
      if (this.isWorkingDay(cur)) return cur;
      cur = addDays(cur, 1);
    }
    throw new RangeError(`日历数据有误：${d} 之后 ${MAX_SEARCH_DAYS} 天内没有工作日`);
  }

  /** `d` itself when it is a working day, else the last working day before it. */
  previousWorkingDay(d: IsoDate): IsoDate {
    let cur = d;
    for (let i = 0; i <= MAX_SEARCH_DAYS; i++) {
      if (this.isWorkingDay(cur)) return cur;
      cur = addDays(cur, -1);
    }
    throw new RangeError(`日历数据有误：${d} 之前 ${MAX_SEARCH_DAYS} 天内没有工作日`);
  }

  /**
   * The n-th working day after `d` (n ≥ 1; `d` itself never counts);
   * n = 0 → nextWorkingDay(d); n < 0 → the |n|-th working day before `d`.
   */
  addWorkingDays(d: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n)) throw new RangeError(`工作日数应为整数：${n}`);
    if (n === 0) return this.nextWorkingDay(d);
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    let cur = d;
    let scanned = 0;
    while (left > 0) {
      cur = addDays(cur, step);
      if (this.isWorkingDay(cur)) left--;
      if (++scanned > MAX_SEARCH_DAYS + Math.abs(n) * 7) {
        throw new RangeError(`日历数据有误：从 ${d} 起找不到第 ${n} 个工作日`);
      }
    }
    return cur;
  }

  /** The n-th working day before `d` (n ≥ 1; `d` itself never counts). */
  subtractWorkingDays(d: IsoDate, n: number): IsoDate {
    return this.addWorkingDays(d, -n);
  }

  /**
   * Working days in (from, to]: `from` does not count, `to` does, so
   * workingDaysBetween(d, addWorkingDays(d, n)) === n. Negative when `to`
   * is before `from`.
   */
  workingDaysBetween(from: IsoDate, to: IsoDate): number {
    const a = dayNumber(from);
    const b = dayNumber(to);
    if (b < a) return -this.workingDaysBetween(to, from);
    let count = 0;
    for (let n = a + 1; n <= b; n++) {
      if (this.isWorkingDay(fromDayNumber(n))) count++;
    }
    return count;
  }
}

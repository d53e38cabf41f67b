// Builds the working-day calendar (CalendarData) that a task workflow is
// started with: public holidays and 调休 make-up working days from the npm
// package chinese-days, extended or overridden by the office's own files
// data/calendar/<year>.json. Runs outside the workflow (it reads files); the
// workflow gets the result in its input, so a history replays with the
// calendar it was started with even after the files change.
//
// chinese-days 1.5.7 knows 2004–2026. The State Council (国务院办公厅)
// publishes next year's arrangement around November; until a package
// release has it, the office adds data/calendar/<year>.json (see
// data/calendar/README.md). A file wins over the package for its year.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chineseDays from 'chinese-days';
import { isIsoDate, weekday } from '../workflows/calendar.ts';
import type { CalendarData, IsoDate } from '../workflows/types.ts';
import { BadInputError } from './errors.ts';

export const DEFAULT_CALENDAR_DIR = fileURLToPath(new URL('../data/calendar/', import.meta.url));

export interface CalendarYearSource {
  year: number;
  source: 'file' | 'chinese-days' | 'weekends-only';
  file?: string;
}

export interface CalendarDataResult {
  data: CalendarData;
  warnings: string[];
  /** where each year's days came from, for `duban start` to show */
  sources: CalendarYearSource[];
}

/** A data/calendar/<year>.json that is not what the README describes. */
export class CalendarFileError extends BadInputError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`日历文件 ${file} 有误：${message}`, { file });
  }
}

interface YearDays {
  holidays: IsoDate[];
  workdays: IsoDate[];
}

function fromChineseDays(year: number): YearDays | null {
  const holidays = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false);
  // The package marks a year as known by listing its holidays; every year
  // has at least 元旦 and 春节, so none means the year is not in it.
  if (holidays.length === 0) return null;
  const workdays = chineseDays
    .getWorkdaysInRange(`${year}-01-01`, `${year}-12-31`, true)
    .filter((d) => weekday(d) === 0 || weekday(d) === 6);
  return { holidays: [...holidays].sort(), workdays: [...workdays].sort() };
}

function readDateList(file: string, year: number, value: unknown, field: string): IsoDate[] {
  if (!Array.isArray(value))
    throw new CalendarFileError(file, `“${field}”应为日期数组，例如 ["${year}-01-01"]`);
  return value.map((d, i) => {
    if (!isIsoDate(d)) {
      throw new CalendarFileError(
        file,
        `“${field}”第 ${i + 1} 项 ${JSON.stringify(d)} 不是 YYYY-MM-DD 格式的有效日期`,
      );
    }
    if (!d.startsWith(`${year}-`)) {
      throw new CalendarFileError(file, `“${field}”第 ${i + 1} 项 ${d} 不在 ${year} 年内`);
    }
    return d;
  });
}

/** Reads and checks data/calendar/<year>.json; null when there is none. */
export function readCalendarFile(
  dir: string,
  year: number,
): { days: YearDays; file: string; warnings: string[] } | null {
  const file = join(dir, `${year}.json`);
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CalendarFileError(file, `不是有效的 JSON（${(e as Error).message}）`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CalendarFileError(file, '应为对象：{ "year": …, "holidays": [...], "workdays": [...] }');
  }
  const obj = json as Record<string, unknown>;
  if (obj.year !== year) {
    throw new CalendarFileError(
      file,
      `“year”应为 ${year}（与文件名一致），实际为 ${JSON.stringify(obj.year)}`,
    );
  }
  const holidays = readDateList(file, year, obj.holidays, 'holidays');
  const workdays = readDateList(file, year, obj.workdays ?? [], 'workdays');
  const warnings: string[] = [];
  const both = holidays.filter((d) => workdays.includes(d));
  if (both.length > 0) {
    throw new CalendarFileError(file, `以下日期同时列在 holidays 和 workdays 中：${both.join('、')}`);
  }
  const weekdayWorkdays = workdays.filter((d) => weekday(d) !== 0 && weekday(d) !== 6);
  if (weekdayWorkdays.length > 0) {
    warnings.push(
      `日历文件 ${file}：workdays 中的 ${weekdayWorkdays.join('、')} 本来就是周一至周五的工作日，列出无影响`,
    );
  }
  return {
    days: { holidays: [...new Set(holidays)].sort(), workdays: [...new Set(workdays)].sort() },
    file,
    warnings,
  };
}

/**
 * The calendar for the given years: per year, data/calendar/<year>.json if
 * present, else chinese-days, else weekends only with a Chinese warning
 * naming the file to add. Pass every year a task can touch (its year and the
 * next, since a 年底 deadline's due date and review window run into January).
 * Throws CalendarFileError on a malformed file: a wrong calendar would send
 * reminders on holidays, so it must not be skipped silently.
 */
export function calendarDataFor(years: number[], options?: { dir?: string }): CalendarDataResult {
  const dir = options?.dir ?? DEFAULT_CALENDAR_DIR;
  const holidays: IsoDate[] = [];
  const workdays: IsoDate[] = [];
  const warnings: string[] = [];
  const sources: CalendarYearSource[] = [];
  for (const year of [...new Set(years)].sort((a, b) => a - b)) {
    if (!Number.isInteger(year) || year < 1900 || year > 9999) {
      throw new RangeError(`年份无效：${year}`);
    }
    const fromFile = readCalendarFile(dir, year);
    if (fromFile) {
      holidays.push(...fromFile.days.holidays);
      workdays.push(...fromFile.days.workdays);
      warnings.push(...fromFile.warnings);
      sources.push({ year, source: 'file', file: fromFile.file });
      continue;
    }
    const fromPackage = fromChineseDays(year);
    if (fromPackage) {
      holidays.push(...fromPackage.holidays);
      workdays.push(...fromPackage.workdays);
      sources.push({ year, source: 'chinese-days' });
      continue;
    }
    sources.push({ year, source: 'weekends-only' });
    warnings.push(
      `${year} 年的节假日和调休安排未知（chinese-days 与 ${join(dir, `${year}.json`)} 都没有），` +
        `暂按周一至周五上班、周末休息计算，节假日期间仍可能发出请报和催办。` +
        `国务院办公厅公布 ${year} 年节假日安排后，请按 data/calendar/README.md 添加 data/calendar/${year}.json。`,
    );
  }
  return { data: { holidays, workdays }, warnings, sources };
}

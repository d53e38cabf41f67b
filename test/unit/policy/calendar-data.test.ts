// Building the calendar from chinese-days plus the office's data/calendar
// files: the 2027 gap and how a file fills it, in a temporary directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalendarFileError, calendarDataFor } from '../../../lib/calendar-data.ts';
import { WorkingCalendar } from '../../../workflows/calendar.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'duban-calendar-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeYear(year: number, body: unknown): string {
  const file = join(dir, `${year}.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('calendarDataFor', () => {
  it('takes 2022 from chinese-days without warnings', () => {
    const { data, warnings, sources } = calendarDataFor([2022], { dir });
    expect(warnings).toEqual([]);
    expect(sources).toEqual([{ year: 2022, source: 'chinese-days' }]);
    expect(data.holidays).toContain('2022-10-03');
    expect(data.holidays).toContain('2022-12-31');
    expect(data.holidays).toHaveLength(32);
    expect(data.workdays).toEqual([
      '2022-01-29',
      '2022-01-30',
      '2022-04-02',
      '2022-04-24',
      '2022-05-07',
      '2022-10-08',
      '2022-10-09',
    ]);
  });

  it('knows 2021-10-09 (Saturday) was a working day', () => {
    const cal = new WorkingCalendar(calendarDataFor([2021], { dir }).data);
    expect(cal.isWorkingDay('2021-10-09')).toBe(true);
    expect(cal.isWorkingDay('2021-10-01')).toBe(false);
  });

  it('falls back to weekends only for 2027 and says which file to add', () => {
    const { data, warnings, sources } = calendarDataFor([2026, 2027], { dir });
    expect(sources.map((s) => s.source)).toEqual(['chinese-days', 'weekends-only']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('2027 年的节假日和调休安排未知');
    expect(warnings[0]).toContain('data/calendar/2027.json');
    expect(warnings[0]).toContain(join(dir, '2027.json'));
    expect(data.holidays.some((d) => d.startsWith('2027-'))).toBe(false);
    const cal = new WorkingCalendar(data);
    expect(cal.isWorkingDay('2027-01-01')).toBe(true); // a Friday; 元旦 unknown without the file
    expect(cal.isWorkingDay('2026-01-01')).toBe(false); // 2026 is in chinese-days
  });

  it('a data/calendar/2027.json extends the calendar', () => {
    writeYear(2027, {
      year: 2027,
      source: '测试用，非真实安排',
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-08'],
      workdays: ['2027-02-06'],
    });
    const { data, warnings, sources } = calendarDataFor([2027], { dir });
    expect(warnings).toEqual([]);
    expect(sources).toEqual([{ year: 2027, source: 'file', file: join(dir, '2027.json') }]);
    const cal = new WorkingCalendar(data);
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
    expect(cal.isWorkingDay('2027-02-06')).toBe(true); // a Saturday made a working day
    expect(cal.nextWorkingDay('2027-02-05')).toBe('2027-02-06');
    expect(cal.addWorkingDays('2027-02-06', 1)).toBe('2027-02-09');
  });

  it('a file wins over chinese-days for its year', () => {
    writeYear(2022, { year: 2022, holidays: ['2022-10-01', '2022-10-02'], workdays: [] });
    const { data, sources } = calendarDataFor([2022, 2023], { dir });
    expect(sources.map((s) => s.source)).toEqual(['file', 'chinese-days']);
    const cal = new WorkingCalendar(data);
    expect(cal.isWorkingDay('2022-10-03')).toBe(true); // the file does not list it
    expect(cal.isWorkingDay('2022-10-08')).toBe(false); // nor this 调休 Saturday
    expect(cal.isWorkingDay('2023-01-02')).toBe(false); // 2023 still from the package
  });

  it('refuses a malformed file, naming it and the entry', () => {
    const file = writeYear(2027, { year: 2027, holidays: ['2027-02-30'] });
    expect(() => calendarDataFor([2027], { dir })).toThrow(CalendarFileError);
    expect(() => calendarDataFor([2027], { dir })).toThrow(file);
    expect(() => calendarDataFor([2027], { dir })).toThrow(/第 1 项 "2027-02-30"/);
  });

  it('refuses a file whose year does not match its name, or with dates of another year', () => {
    writeYear(2027, { year: 2028, holidays: [] });
    expect(() => calendarDataFor([2027], { dir })).toThrow(/“year”应为 2027/);
    writeYear(2027, { year: 2027, holidays: ['2026-12-31'] });
    expect(() => calendarDataFor([2027], { dir })).toThrow(/不在 2027 年内/);
    writeYear(2027, '{ "year": 2027, ');
    expect(() => calendarDataFor([2027], { dir })).toThrow(/不是有效的 JSON/);
    writeYear(2027, { year: 2027, holidays: ['2027-02-06'], workdays: ['2027-02-06'] });
    expect(() => calendarDataFor([2027], { dir })).toThrow(/同时列在/);
  });

  it('warns about a weekday listed as a make-up working day', () => {
    writeYear(2027, { year: 2027, holidays: ['2027-01-01'], workdays: ['2027-01-04'] });
    const { warnings } = calendarDataFor([2027], { dir });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('2027-01-04');
  });

  it('reads the repository data/calendar by default', () => {
    const { sources } = calendarDataFor([2022]);
    expect(sources[0]?.source).toBe('chinese-days');
  });
});

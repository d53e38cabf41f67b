// The working-day calendar against the real 2022/2023 arrangements of the
// State Council (via chinese-days): the dates an office clerk would check.
import { describe, expect, it } from 'vitest';
import chineseDays from 'chinese-days';
import { calendarDataFor } from '../../../lib/calendar-data.ts';
import {
  WorkingCalendar,
  addDays,
  atChinaTime,
  chineseDate,
  chineseWeekday,
  daysBetween,
  isIsoDate,
  toIsoDate,
  weekday,
} from '../../../workflows/calendar.ts';

const cal = new WorkingCalendar(calendarDataFor([2022, 2023]).data);

describe('China-time dates', () => {
  it('toIsoDate gives the date in Beijing, not in UTC', () => {
    // 2021-12-31 16:00 UTC is midnight in Beijing.
    expect(toIsoDate(Date.parse('2021-12-31T16:00:00Z'))).toBe('2022-01-01');
    expect(toIsoDate(Date.parse('2021-12-31T15:59:59Z'))).toBe('2021-12-31');
    expect(toIsoDate(0)).toBe('1970-01-01');
  });

  it('atChinaTime is the Beijing wall clock moment', () => {
    expect(atChinaTime('2022-02-15', '09:00')).toBe(Date.parse('2022-02-15T01:00:00Z'));
    expect(atChinaTime('2022-01-01', '00:00')).toBe(Date.parse('2021-12-31T16:00:00Z'));
    expect(atChinaTime('2022-12-30', '17:30')).toBe(Date.parse('2022-12-30T09:30:00Z'));
    expect(toIsoDate(atChinaTime('2022-03-01', '23:59'))).toBe('2022-03-01');
  });

  it('addDays, weekday and daysBetween across months and leap years', () => {
    expect(addDays('2022-02-28', 1)).toBe('2022-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2022-01-01', -1)).toBe('2021-12-31');
    expect(addDays('2022-01-01', 364)).toBe('2022-12-31');
    expect(weekday('2022-01-29')).toBe(6);
    expect(weekday('2022-09-25')).toBe(0);
    expect(weekday('2022-02-15')).toBe(2);
    expect(daysBetween('2022-01-01', '2023-01-01')).toBe(365);
    expect(daysBetween('2023-01-01', '2022-01-01')).toBe(-365);
  });

  it('refuses dates and times that do not exist', () => {
    expect(() => addDays('2022-02-30', 1)).toThrow(/不存在的日期/);
    expect(() => weekday('2022/01/01')).toThrow(/YYYY-MM-DD/);
    expect(() => atChinaTime('2022-01-01', '25:00')).toThrow(/HH:MM/);
    expect(isIsoDate('2022-02-29')).toBe(false);
    expect(isIsoDate('2024-02-29')).toBe(true);
  });

  it('writes dates the way a Chinese notice does', () => {
    expect(chineseDate('2022-10-08')).toBe('2022年10月8日');
    expect(chineseWeekday('2022-10-08')).toBe('星期六');
  });
});

describe('WorkingCalendar on the real 2022 calendar', () => {
  it('knows the 调休 Saturdays as working days', () => {
    expect(cal.isWorkingDay('2022-01-29')).toBe(true); // Sat before 春节
    expect(cal.isWorkingDay('2022-01-30')).toBe(true); // Sun before 春节
    expect(cal.isWorkingDay('2022-04-02')).toBe(true); // Sat before 清明
    expect(cal.isWorkingDay('2022-10-08')).toBe(true); // Sat after 国庆
    expect(cal.isWorkingDay('2022-10-09')).toBe(true); // Sun after 国庆
  });

  it('knows the holidays, weekday or not', () => {
    expect(cal.isWorkingDay('2022-10-03')).toBe(false); // Monday, 国庆
    expect(cal.isWorkingDay('2022-10-07')).toBe(false); // Friday, 国庆调休放假
    expect(cal.isWorkingDay('2022-02-04')).toBe(false); // Friday, 春节
    expect(cal.isWorkingDay('2022-09-12')).toBe(false); // Monday, 中秋
    expect(cal.isWorkingDay('2022-12-31')).toBe(false); // Saturday, 元旦
    expect(cal.isWorkingDay('2023-01-02')).toBe(false); // Monday, 元旦
  });

  it('ordinary weekends are off and ordinary weekdays are on', () => {
    expect(cal.isWorkingDay('2022-03-05')).toBe(false); // Sat
    expect(cal.isWorkingDay('2022-03-06')).toBe(false); // Sun
    expect(cal.isWorkingDay('2022-03-07')).toBe(true); // Mon
  });

  it('agrees with chinese-days on every day of 2022 and 2023', () => {
    const disagreements: string[] = [];
    for (let d = '2022-01-01'; d <= '2023-12-31'; d = addDays(d, 1)) {
      if (cal.isWorkingDay(d) !== chineseDays.isWorkday(d)) disagreements.push(d);
    }
    expect(disagreements).toEqual([]);
  });

  it('2022 had 249 working days (260 weekdays − 18 holidays on weekdays + 7 调休 days)', () => {
    expect(cal.workingDaysBetween('2021-12-31', '2022-12-31')).toBe(249);
  });

  it('nextWorkingDay keeps a working day and moves past weekends and holidays', () => {
    expect(cal.nextWorkingDay('2022-02-15')).toBe('2022-02-15');
    expect(cal.nextWorkingDay('2022-09-25')).toBe('2022-09-26'); // Sunday → Monday
    expect(cal.nextWorkingDay('2022-10-01')).toBe('2022-10-08'); // 国庆 → the 调休 Saturday
    expect(cal.nextWorkingDay('2022-01-31')).toBe('2022-02-07'); // 春节 week
    expect(cal.nextWorkingDay('2022-12-31')).toBe('2023-01-03'); // 元旦 into the next year
    expect(cal.nextWorkingDay('2022-04-02')).toBe('2022-04-02'); // a 调休 Saturday itself
  });

  it('previousWorkingDay goes back past the holiday', () => {
    expect(cal.previousWorkingDay('2022-10-07')).toBe('2022-09-30');
    expect(cal.previousWorkingDay('2022-10-08')).toBe('2022-10-08');
  });

  it('addWorkingDays counts from the day after, skipping the National Day week', () => {
    expect(cal.addWorkingDays('2022-09-30', 1)).toBe('2022-10-08');
    expect(cal.addWorkingDays('2022-09-30', 3)).toBe('2022-10-10');
    expect(cal.addWorkingDays('2022-09-30', 5)).toBe('2022-10-12');
    expect(cal.addWorkingDays('2022-02-25', 1)).toBe('2022-02-28'); // Friday → Monday
    expect(cal.addWorkingDays('2022-10-01', 0)).toBe('2022-10-08');
    expect(cal.addWorkingDays('2022-02-15', 0)).toBe('2022-02-15');
    expect(cal.addWorkingDays('2022-10-10', -3)).toBe('2022-09-30');
    expect(cal.subtractWorkingDays('2022-12-31', 10)).toBe('2022-12-19');
    expect(() => cal.addWorkingDays('2022-01-01', 1.5)).toThrow();
  });

  it('workingDaysBetween is the inverse of addWorkingDays', () => {
    expect(cal.workingDaysBetween('2022-09-30', '2022-10-10')).toBe(3);
    expect(cal.workingDaysBetween('2022-10-10', '2022-09-30')).toBe(-3);
    expect(cal.workingDaysBetween('2022-10-01', '2022-10-07')).toBe(0);
    for (const d of ['2022-01-28', '2022-04-01', '2022-09-30', '2022-12-30']) {
      for (const n of [1, 2, 5, 10, 30]) {
        expect(cal.workingDaysBetween(d, cal.addWorkingDays(d, n))).toBe(n);
      }
    }
  });
});

describe('WorkingCalendar on other data', () => {
  it('with no data is Monday to Friday', () => {
    const plain = new WorkingCalendar({ holidays: [], workdays: [] });
    expect(plain.isWorkingDay('2027-01-01')).toBe(true); // a Friday
    expect(plain.isWorkingDay('2027-01-02')).toBe(false);
    expect(plain.nextWorkingDay('2027-01-02')).toBe('2027-01-04');
  });

  it('a day listed as both holiday and workday counts as working', () => {
    const odd = new WorkingCalendar({ holidays: ['2027-01-02'], workdays: ['2027-01-02'] });
    expect(odd.isWorkingDay('2027-01-02')).toBe(true);
  });

  it('a calendar without any working day fails loudly instead of looping', () => {
    const holidays: string[] = [];
    for (let d = '2027-01-01'; d <= '2037-12-31'; d = addDays(d, 1)) holidays.push(d);
    const broken = new WorkingCalendar({ holidays, workdays: [] });
    expect(() => broken.nextWorkingDay('2027-01-01')).toThrow(/没有工作日/);
  });
});

// The reporting schedule on the real 2022 calendar: the request and due dates
// an office would put in its 请报 notices.
import { describe, expect, it } from 'vitest';
import { calendarDataFor } from '../../../lib/calendar-data.ts';
import { WorkingCalendar, atChinaTime, chinaMinutesOfDay, toIsoDate } from '../../../workflows/calendar.ts';
import {
  dueEndsAt,
  planPeriods,
  reviewEndsAt,
  sendTime,
  validateSettings,
} from '../../../workflows/schedule.ts';
import { DEFAULT_SETTINGS, type Period, type ScheduleSettings } from '../../../workflows/types.ts';

const cal = new WorkingCalendar(calendarDataFor([2022, 2023]).data);

/** "2022-02-15 09:00" in China time, the way the notices print it. */
function cn(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}
function rows(periods: Period[]) {
  return periods.map((p) => [p.id, p.label, cn(p.requestAt), p.dueOn, p.final]);
}
function settings(over: Partial<ScheduleSettings>): ScheduleSettings {
  return { ...DEFAULT_SETTINGS, ...over };
}

describe('sendTime (sending hours 09:00–17:30 on working days)', () => {
  it('keeps a moment inside the hours', () => {
    expect(cn(sendTime(atChinaTime('2022-02-15', '10:30'), DEFAULT_SETTINGS, cal))).toBe('2022-02-15 10:30');
    expect(cn(sendTime(atChinaTime('2022-02-15', '09:00'), DEFAULT_SETTINGS, cal))).toBe('2022-02-15 09:00');
  });

  it('waits for 09:00 in the early morning', () => {
    expect(cn(sendTime(atChinaTime('2022-02-15', '07:00'), DEFAULT_SETTINGS, cal))).toBe('2022-02-15 09:00');
  });

  it('a request computed at 20:00 goes out the next working day at 09:00', () => {
    expect(cn(sendTime(atChinaTime('2022-02-15', '20:00'), DEFAULT_SETTINGS, cal))).toBe('2022-02-16 09:00');
    expect(cn(sendTime(atChinaTime('2022-02-15', '17:30'), DEFAULT_SETTINGS, cal))).toBe('2022-02-16 09:00');
  });

  it('Friday evening before National Day waits for the 调休 Saturday 2022-10-08', () => {
    expect(cn(sendTime(atChinaTime('2022-09-30', '20:00'), DEFAULT_SETTINGS, cal))).toBe('2022-10-08 09:00');
  });

  it('an ordinary weekend waits for Monday, a holiday for the day after it', () => {
    expect(cn(sendTime(atChinaTime('2022-03-05', '11:00'), DEFAULT_SETTINGS, cal))).toBe('2022-03-07 09:00');
    expect(cn(sendTime(atChinaTime('2022-10-03', '11:00'), DEFAULT_SETTINGS, cal))).toBe('2022-10-08 09:00');
  });

  it('follows the task set’s own hours', () => {
    const s = settings({ quietHours: { sendFrom: '08:30', sendUntil: '12:00' } });
    expect(cn(sendTime(atChinaTime('2022-02-15', '12:15'), s, cal))).toBe('2022-02-16 08:30');
  });

  it('every result is on a working day inside the hours', () => {
    for (
      let t = atChinaTime('2022-09-20', '00:00');
      t < atChinaTime('2022-10-20', '00:00');
      t += 37 * 60_000
    ) {
      const out = sendTime(t, DEFAULT_SETTINGS, cal);
      expect(out).toBeGreaterThanOrEqual(t);
      expect(cal.isWorkingDay(toIsoDate(out))).toBe(true);
      expect(chinaMinutesOfDay(out)).toBeGreaterThanOrEqual(9 * 60);
      expect(chinaMinutesOfDay(out)).toBeLessThan(17 * 60 + 30);
    }
  });
});

describe('planPeriods, monthly (the default)', () => {
  const plan = planPeriods({
    year: 2022,
    startedAt: atChinaTime('2022-01-21', '10:00'),
    deadline: '2022-12-31',
    settings: DEFAULT_SETTINGS,
    cal,
  });

  it('a 2022 task started on 21 January is asked February to November, then for its final report', () => {
    expect(rows(plan)).toEqual([
      ['2022-02', '2022年2月', '2022-02-15 09:00', '2022-02-25', false],
      ['2022-03', '2022年3月', '2022-03-15 09:00', '2022-03-25', false],
      ['2022-04', '2022年4月', '2022-04-15 09:00', '2022-04-25', false],
      ['2022-05', '2022年5月', '2022-05-16 09:00', '2022-05-25', false], // the 15th is a Sunday
      ['2022-06', '2022年6月', '2022-06-15 09:00', '2022-06-27', false], // the 25th is a Saturday
      ['2022-07', '2022年7月', '2022-07-15 09:00', '2022-07-25', false],
      ['2022-08', '2022年8月', '2022-08-15 09:00', '2022-08-25', false],
      ['2022-09', '2022年9月', '2022-09-15 09:00', '2022-09-26', false], // the 25th is a Sunday
      ['2022-10', '2022年10月', '2022-10-17 09:00', '2022-10-25', false], // the 15th is a Saturday
      ['2022-11', '2022年11月', '2022-11-15 09:00', '2022-11-25', false],
      // 10 working days before 31 December; December's own request (due the 26th) would overlap it.
      // 2022-12-31 is a Saturday and 元旦 runs to 2 January, so the deadline moves to 3 January.
      ['final', '最终报告', '2022-12-19 09:00', '2023-01-03', true],
    ]);
  });

  it('every request goes out on a working day at 09:00 and is due on a working day', () => {
    for (const p of plan) {
      expect(cal.isWorkingDay(toIsoDate(p.requestAt))).toBe(true);
      expect(chinaMinutesOfDay(p.requestAt)).toBe(9 * 60);
      expect(cal.isWorkingDay(p.dueOn)).toBe(true);
      expect(toIsoDate(p.requestAt) <= p.dueOn).toBe(true);
    }
  });

  it('started after 09:00 on the 15th, that month’s request is already past', () => {
    const late = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-03-15', '10:00'),
      deadline: '2022-12-31',
      settings: DEFAULT_SETTINGS,
      cal,
    });
    expect(late[0]?.id).toBe('2022-04');
    const early = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-03-15', '08:00'),
      deadline: '2022-12-31',
      settings: DEFAULT_SETTINGS,
      cal,
    });
    expect(early[0]?.id).toBe('2022-03');
  });

  it('a deadline of 30 June ends the monthly requests with May', () => {
    const p = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-01-21', '10:00'),
      deadline: '2022-06-30',
      settings: DEFAULT_SETTINGS,
      cal,
    });
    expect(p.map((x) => x.id)).toEqual(['2022-02', '2022-03', '2022-04', '2022-05', 'final']);
    expect(rows(p).at(-1)).toEqual(['final', '最终报告', '2022-06-16 09:00', '2022-06-30', true]);
  });

  it('a deadline on National Day is due on the 调休 Saturday after the holiday', () => {
    const p = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-01-21', '10:00'),
      deadline: '2022-10-01',
      settings: DEFAULT_SETTINGS,
      cal,
    });
    const final = p.at(-1);
    expect(final?.dueOn).toBe('2022-10-08');
    expect(cn(final!.requestAt)).toBe('2022-09-19 09:00');
    expect(p.at(-2)?.id).toBe('2022-08'); // September's request would be due 26 September, after the final request
  });

  it('a task started a week before its deadline is asked for the final report at once', () => {
    const p = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-12-25', '15:00'), // a Sunday
      deadline: '2022-12-31',
      settings: DEFAULT_SETTINGS,
      cal,
    });
    expect(rows(p)).toEqual([['final', '最终报告', '2022-12-26 09:00', '2023-01-03', true]]);
  });

  it('a request day of 31 is the last day of shorter months', () => {
    const p = planPeriods({
      year: 2022,
      startedAt: atChinaTime('2022-01-01', '00:00'),
      deadline: '2022-12-31',
      settings: settings({ requestDay: 28, dueDay: 31 }),
      cal,
    });
    const feb = p.find((x) => x.id === '2022-02');
    expect(feb?.dueOn).toBe('2022-02-28');
    const apr = p.find((x) => x.id === '2022-04');
    expect(apr?.dueOn).toBe('2022-05-05'); // 30 April is 劳动节, so is 1–4 May
  });
});

describe('planPeriods, other cadences', () => {
  const base = { year: 2022, startedAt: atChinaTime('2022-01-21', '10:00'), deadline: '2022-12-31', cal };

  it('quarterly: in the last month of each quarter; Q4 gives way to the final report', () => {
    const p = planPeriods({ ...base, settings: settings({ cadence: { kind: 'quarterly' } }) });
    expect(rows(p)).toEqual([
      ['2022-Q1', '2022年第一季度', '2022-03-15 09:00', '2022-03-25', false],
      ['2022-Q2', '2022年第二季度', '2022-06-15 09:00', '2022-06-27', false],
      ['2022-Q3', '2022年第三季度', '2022-09-15 09:00', '2022-09-26', false],
      ['final', '最终报告', '2022-12-19 09:00', '2023-01-03', true],
    ]);
  });

  it('quarterly with a deadline the next spring runs into the next year', () => {
    const p = planPeriods({
      ...base,
      deadline: '2023-03-31',
      settings: settings({ cadence: { kind: 'quarterly' } }),
    });
    expect(p.map((x) => x.id)).toEqual(['2022-Q1', '2022-Q2', '2022-Q3', '2022-Q4', 'final']);
    expect(p.find((x) => x.id === '2022-Q4')?.label).toBe('2022年第四季度');
    expect(p.at(-1)?.dueOn).toBe('2023-03-31');
  });

  it('half-yearly: June, and December gives way to the final report', () => {
    const p = planPeriods({ ...base, settings: settings({ cadence: { kind: 'half-yearly' } }) });
    expect(rows(p)).toEqual([
      ['2022-H1', '2022年上半年', '2022-06-15 09:00', '2022-06-27', false],
      ['final', '最终报告', '2022-12-19 09:00', '2023-01-03', true],
    ]);
    const longer = planPeriods({
      ...base,
      deadline: '2023-01-31',
      settings: settings({ cadence: { kind: 'half-yearly' } }),
    });
    expect(longer.map((x) => x.label)).toEqual(['2022年上半年', '2022年下半年', '最终报告']);
  });

  it('custom dates, moved to working days, ids by position even when one is skipped', () => {
    const p = planPeriods({
      ...base,
      settings: settings({
        cadence: {
          kind: 'custom',
          requests: [
            { requestOn: '2022-01-10', dueOn: '2022-01-20' }, // before the start: skipped
            { requestOn: '2022-05-01', dueOn: '2022-05-10' }, // 劳动节
            { requestOn: '2022-10-01', dueOn: '2022-10-05' }, // 国庆: both move to 10-08
          ],
        },
      }),
    });
    expect(rows(p)).toEqual([
      ['custom-2', '第2次进度报告', '2022-05-05 09:00', '2022-05-10', false],
      ['custom-3', '第3次进度报告', '2022-10-08 09:00', '2022-10-08', false],
      ['final', '最终报告', '2022-12-19 09:00', '2023-01-03', true],
    ]);
  });

  it('always ends with exactly one final period', () => {
    for (const cadence of [
      { kind: 'monthly' as const },
      { kind: 'quarterly' as const },
      { kind: 'half-yearly' as const },
      { kind: 'custom' as const, requests: [] },
    ]) {
      const p = planPeriods({ ...base, settings: settings({ cadence }) });
      expect(p.filter((x) => x.final)).toHaveLength(1);
      expect(p.at(-1)?.id).toBe('final');
      const ids = p.map((x) => x.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});

describe('reviewEndsAt and dueEndsAt', () => {
  it('the office has 10 working days after the final due date, until 17:30', () => {
    expect(cn(reviewEndsAt('2023-01-03', DEFAULT_SETTINGS, cal))).toBe('2023-01-17 17:30');
    // 10-08 and 10-09 (调休 weekend) count: the 10th working day is Wednesday 19 October.
    expect(cn(reviewEndsAt('2022-09-30', DEFAULT_SETTINGS, cal))).toBe('2022-10-19 17:30');
  });

  it('a report is late from midnight after its due date', () => {
    expect(cn(dueEndsAt('2022-02-25'))).toBe('2022-02-26 00:00');
  });
});

describe('validateSettings', () => {
  it('accepts the defaults', () => {
    expect(validateSettings(DEFAULT_SETTINGS)).toEqual([]);
  });

  it('names each problem in Chinese', () => {
    const errors = validateSettings(
      settings({
        requestDay: 0,
        yellowAfterWorkingDays: 7,
        quietHours: { sendFrom: '18:00', sendUntil: '09:00' },
        cadence: { kind: 'custom', requests: [{ requestOn: '2022-05-10', dueOn: '2022-05-01' }] },
      }),
    );
    expect(errors.join('\n')).toMatch(/requestDay（请报日） 应为 1–31 的整数/);
    expect(errors.join('\n')).toMatch(/催办 ≤ 黄灯 ≤ 督办/);
    expect(errors.join('\n')).toMatch(/开始时间应早于结束时间/);
    expect(errors.join('\n')).toMatch(/截止日 2022-05-01 早于请报日 2022-05-10/);
  });
});

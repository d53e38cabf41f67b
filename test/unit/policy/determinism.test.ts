// The policy functions run inside the Temporal workflow sandbox and are
// replayed by auditors years later: they must never read the clock or
// randomness. Here `new Date()`, Date.now() and Math.random() throw while the
// whole policy runs, so an accidental clock read fails this test.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { calendarDataFor } from '../../../lib/calendar-data.ts';
import { WorkingCalendar, atChinaTime } from '../../../workflows/calendar.ts';
import { ladderFor } from '../../../workflows/ladder.ts';
import { expectedPercent, isLagging, taskLight } from '../../../workflows/lights.ts';
import { planPeriods, reviewEndsAt, sendTime } from '../../../workflows/schedule.ts';
import { proposeVerdict } from '../../../workflows/verdict.ts';
import { DEFAULT_SETTINGS } from '../../../workflows/types.ts';

const data = calendarDataFor([2022, 2023]).data;
const RealDate = Date;

class ClocklessDate extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) throw new Error('policy code read the clock: new Date()');
    super(...(args as ConstructorParameters<DateConstructor>));
  }
  static override now(): number {
    throw new Error('policy code read the clock: Date.now()');
  }
}

beforeEach(() => {
  globalThis.Date = ClocklessDate as DateConstructor;
  vi.spyOn(Math, 'random').mockImplementation(() => {
    throw new Error('policy code used Math.random()');
  });
});
afterEach(() => {
  globalThis.Date = RealDate;
  vi.restoreAllMocks();
});

function runPolicy() {
  const cal = new WorkingCalendar(data);
  const periods = planPeriods({
    year: 2022,
    startedAt: atChinaTime('2022-01-21', '10:00'),
    deadline: '2022-12-31',
    settings: DEFAULT_SETTINGS,
    cal,
  });
  const ladders = periods.map((p) => ladderFor(p.dueOn, DEFAULT_SETTINGS, cal));
  const now = atChinaTime('2022-07-01', '09:00');
  return {
    periods,
    ladders,
    send: sendTime(atChinaTime('2022-09-30', '20:00'), DEFAULT_SETTINGS, cal),
    review: reviewEndsAt('2023-01-03', DEFAULT_SETTINGS, cal),
    expected: expectedPercent(now, '2022-01-01', '2022-12-31'),
    lagging: isLagging(25, now, '2022-01-01', '2022-12-31', 20),
    light: taskLight({ unitLights: ['yellow'], lagging: true }),
    verdict: proposeVerdict({ status: '推进中', percent: 60, text: '推进中' }),
  };
}

describe('policy functions', () => {
  it('never read the clock or randomness, and give the same answer every time', () => {
    expect(() => new Date()).toThrow(/read the clock/);
    const first = runPolicy();
    const second = runPolicy();
    expect(second).toEqual(first);
    expect(first.periods).toHaveLength(11);
  });
});

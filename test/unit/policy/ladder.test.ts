// The 催办 → 督办 ladder on the real 2022 calendar.
import { describe, expect, it } from 'vitest';
import { calendarDataFor } from '../../../lib/calendar-data.ts';
import { WorkingCalendar } from '../../../workflows/calendar.ts';
import { LADDER_LABELS, ladderFor } from '../../../workflows/ladder.ts';
import { DEFAULT_SETTINGS, type LadderStep } from '../../../workflows/types.ts';

const cal = new WorkingCalendar(calendarDataFor([2022, 2023]).data);

function cn(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}
function rows(steps: LadderStep[]) {
  return steps.map((s) => [LADDER_LABELS[s.level], cn(s.at), s.light ?? null]);
}

describe('ladderFor with the default thresholds (1 / 3 / 5 working days)', () => {
  it('due on a Friday: 催办 Monday, yellow Wednesday, 督办 and red Friday', () => {
    expect(rows(ladderFor('2022-02-25', DEFAULT_SETTINGS, cal))).toEqual([
      ['催办', '2022-02-28 09:00', null],
      ['再次催办', '2022-03-02 09:00', 'yellow'],
      ['督办', '2022-03-04 09:00', 'red'],
    ]);
  });

  it('due 30 September 2022: skips the National Day week and works the 调休 weekend', () => {
    expect(rows(ladderFor('2022-09-30', DEFAULT_SETTINGS, cal))).toEqual([
      ['催办', '2022-10-08 09:00', null], // Saturday, a make-up working day
      ['再次催办', '2022-10-10 09:00', 'yellow'],
      ['督办', '2022-10-12 09:00', 'red'],
    ]);
  });

  it('due the Friday before 春节: the 调休 weekend, then after the holiday', () => {
    expect(rows(ladderFor('2022-01-28', DEFAULT_SETTINGS, cal))).toEqual([
      ['催办', '2022-01-29 09:00', null],
      ['再次催办', '2022-02-07 09:00', 'yellow'],
      ['督办', '2022-02-09 09:00', 'red'],
    ]);
  });

  it('due on 26 September (25th was a Sunday): no rung lands on a holiday', () => {
    const steps = ladderFor('2022-09-26', DEFAULT_SETTINGS, cal);
    expect(rows(steps)).toEqual([
      ['催办', '2022-09-27 09:00', null],
      ['再次催办', '2022-09-29 09:00', 'yellow'],
      ['督办', '2022-10-08 09:00', 'red'],
    ]);
  });

  it('the final report due 3 January 2023 escalates on 10 January', () => {
    expect(rows(ladderFor('2023-01-03', DEFAULT_SETTINGS, cal)).at(-1)).toEqual([
      '督办',
      '2023-01-10 09:00',
      'red',
    ]);
  });
});

describe('ladderFor with a task set’s own thresholds and hours', () => {
  it('2 / 4 / 8 working days at 08:30', () => {
    const s = {
      ...DEFAULT_SETTINGS,
      reminderAfterWorkingDays: 2,
      yellowAfterWorkingDays: 4,
      escalateAfterWorkingDays: 8,
      quietHours: { sendFrom: '08:30', sendUntil: '17:00' },
    };
    expect(rows(ladderFor('2022-02-25', s, cal))).toEqual([
      ['催办', '2022-03-01 08:30', null],
      ['再次催办', '2022-03-03 08:30', 'yellow'],
      ['督办', '2022-03-09 08:30', 'red'],
    ]);
  });

  it('rungs come out in time order, each strictly after the due date', () => {
    const steps = ladderFor('2022-06-27', DEFAULT_SETTINGS, cal);
    const times = steps.map((s) => s.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(steps.map((s) => s.level)).toEqual(['reminder1', 'reminder2', 'escalation']);
  });
});

describe('LADDER_LABELS', () => {
  it('names the rungs as the office does', () => {
    expect(LADDER_LABELS).toEqual({ reminder1: '催办', reminder2: '再次催办', escalation: '督办' });
  });
});

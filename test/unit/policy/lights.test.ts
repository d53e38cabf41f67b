// Lights from the ladder and from progress that lags the elapsed time.
import { describe, expect, it } from 'vitest';
import { atChinaTime } from '../../../workflows/calendar.ts';
import {
  LIGHT_LABELS,
  expectedPercent,
  isLagging,
  taskLight,
  worseLight,
} from '../../../workflows/lights.ts';

describe('expectedPercent', () => {
  it('runs from 0 at the start of the year to 100 at the end of the deadline day (China time)', () => {
    expect(expectedPercent(atChinaTime('2022-01-01', '00:00'), '2022-01-01', '2022-12-31')).toBe(0);
    expect(expectedPercent(atChinaTime('2023-01-01', '00:00'), '2022-01-01', '2022-12-31')).toBe(100);
    expect(expectedPercent(atChinaTime('2021-12-01', '00:00'), '2022-01-01', '2022-12-31')).toBe(0);
    expect(expectedPercent(atChinaTime('2023-03-01', '00:00'), '2022-01-01', '2022-12-31')).toBe(100);
  });

  it('on 1 July 2022, 181 of 365 days have passed', () => {
    expect(expectedPercent(atChinaTime('2022-07-01', '00:00'), '2022-01-01', '2022-12-31')).toBeCloseTo(
      (181 / 365) * 100,
      6,
    );
  });

  it('a task due 30 June is half-way on 1 April at noon-ish', () => {
    // 181 days in the span; 90.5 days elapsed at 12:00 on 1 April.
    expect(expectedPercent(atChinaTime('2022-04-01', '12:00'), '2022-01-01', '2022-06-30')).toBeCloseTo(
      50,
      6,
    );
  });
});

describe('isLagging (margin 20 points)', () => {
  const july1 = atChinaTime('2022-07-01', '09:00'); // ≈ 49.6 % of 2022 has passed

  it('on 1 July 2022: 25 % lags, 30 % (19.6 points behind) and 40 % do not', () => {
    expect(isLagging(25, july1, '2022-01-01', '2022-12-31', 20)).toBe(true);
    expect(isLagging(29, july1, '2022-01-01', '2022-12-31', 20)).toBe(true);
    expect(isLagging(30, july1, '2022-01-01', '2022-12-31', 20)).toBe(false);
    expect(isLagging(40, july1, '2022-01-01', '2022-12-31', 20)).toBe(false);
  });

  it('exactly the margin behind is not lagging, a little more is', () => {
    const mid = atChinaTime('2022-01-06', '00:00'); // 5 of 10 days → 50 %
    expect(expectedPercent(mid, '2022-01-01', '2022-01-10')).toBe(50);
    expect(isLagging(30, mid, '2022-01-01', '2022-01-10', 20)).toBe(false);
    expect(isLagging(29.9, mid, '2022-01-01', '2022-01-10', 20)).toBe(true);
  });

  it('catching up turns lagging off again', () => {
    const oct1 = atChinaTime('2022-10-01', '09:00'); // ≈ 74.8 %
    expect(isLagging(40, oct1, '2022-01-01', '2022-12-31', 20)).toBe(true);
    expect(isLagging(60, oct1, '2022-01-01', '2022-12-31', 20)).toBe(false);
  });

  it('no percent stated is not lagging (a missing report is the ladder’s business)', () => {
    expect(isLagging(null, july1, '2022-01-01', '2022-12-31', 20)).toBe(false);
  });

  it('a tighter margin flags earlier', () => {
    expect(isLagging(40, july1, '2022-01-01', '2022-12-31', 5)).toBe(true);
  });
});

describe('taskLight', () => {
  it('green when every unit is green and progress keeps up', () => {
    expect(taskLight({ unitLights: ['green', 'green'], lagging: false })).toBe('green');
    expect(taskLight({ unitLights: [], lagging: false })).toBe('green');
  });

  it('the worst unit light wins', () => {
    expect(taskLight({ unitLights: ['green', 'yellow'], lagging: false })).toBe('yellow');
    expect(taskLight({ unitLights: ['yellow', 'red', 'green'], lagging: false })).toBe('red');
  });

  it('lagging progress makes it at least yellow, never lowers red', () => {
    expect(taskLight({ unitLights: ['green'], lagging: true })).toBe('yellow');
    expect(taskLight({ unitLights: [], lagging: true })).toBe('yellow');
    expect(taskLight({ unitLights: ['red'], lagging: true })).toBe('red');
  });

  it('worseLight and the Chinese labels', () => {
    expect(worseLight('red', 'yellow')).toBe('red');
    expect(worseLight('green', 'yellow')).toBe('yellow');
    expect(LIGHT_LABELS).toEqual({ green: '绿灯', yellow: '黄灯', red: '红灯' });
  });
});

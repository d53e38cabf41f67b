// Traffic lights (绿灯 / 黄灯 / 红灯) as pure functions. A unit's light comes
// from the escalation ladder (yellow at the second reminder, red at 督办);
// the task's light is the worst of its units', and at least yellow while the
// reported progress lags the share of the time already elapsed by more than
// the set margin. A light turns back when the cause goes away (a report
// stops the ladder, a new percent catches up); the workflow records each
// change with its time and cause.

import { atChinaTime, addDays } from './calendar.ts';
import type { IsoDate, Light } from './types.ts';

export const LIGHT_LABELS: Record<Light, string> = {
  green: '绿灯',
  yellow: '黄灯',
  red: '红灯',
};

const SEVERITY: Record<Light, number> = { green: 0, yellow: 1, red: 2 };

/** The more serious of two lights. */
export function worseLight(a: Light, b: Light): Light {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/**
 * The share (0–100, not rounded) of the span from the start of `yearStart`
 * to the end of `deadline` (China time) that has elapsed at `now`: the
 * progress a unit "should" have reached if work went evenly.
 */
export function expectedPercent(now: number, yearStart: IsoDate, deadline: IsoDate): number {
  const start = atChinaTime(yearStart, '00:00');
  const end = atChinaTime(addDays(deadline, 1), '00:00');
  if (end <= start) return now >= start ? 100 : 0;
  const share = ((now - start) / (end - start)) * 100;
  return Math.min(100, Math.max(0, share));
}

/**
 * True when a reported percent trails the expected percent by more than
 * `marginPercent` points (exactly the margin is not lagging). No percent
 * stated → not lagging: a missing report is the ladder's business.
 */
export function isLagging(
  percent: number | null,
  now: number,
  yearStart: IsoDate,
  deadline: IsoDate,
  marginPercent: number,
): boolean {
  if (percent === null || !Number.isFinite(percent)) return false;
  return expectedPercent(now, yearStart, deadline) - percent > marginPercent;
}

/** The worst of the units' ladder lights; at least yellow while progress lags. */
export function taskLight(input: { unitLights: Light[]; lagging: boolean }): Light {
  let light: Light = input.lagging ? 'yellow' : 'green';
  for (const l of input.unitLights) light = worseLight(light, l);
  return light;
}

// The escalation ladder as one task lives it: for every lead unit that has
// not reported an open period, the 催办 → 再次催办 → 督办 rungs fire in turn
// (when each falls is ladder.ts's pure policy), each once per round (a 退回
// starts a new round); and the traffic lights they set, with the progress lag
// (the light policy is lights.ts). Each light change is kept with its cause.
import { toIsoDate } from './calendar.ts';
import { ladderFor, LADDER_LABELS } from './ladder.ts';
import { isLagging, LIGHT_LABELS, taskLight, worseLight } from './lights.ts';
import type { LadderLevel, Light, UnitRef } from './types.ts';
import type { MailTopic } from './effects.ts';
import { periodUnitKey, rungKey, type PeriodState } from './task-data.ts';
import type { TaskMachine } from './state.ts';

export interface PendingRung {
  period: PeriodState;
  unit: UnitRef;
  level: LadderLevel;
  at: number;
  light?: Light;
}

const LEVELS: readonly LadderLevel[] = ['reminder1', 'reminder2', 'escalation'];

/** A unit's round in a period: how many times its report was sent back. */
function roundOf(machine: TaskMachine, period: string, unit: string): number {
  return machine.data.round[periodUnitKey(period, unit)] ?? 0;
}

function currentRungKey(machine: TaskMachine, period: string, unit: string, level: LadderLevel): string {
  return rungKey(period, unit, level, roundOf(machine, period, unit));
}

/** Rungs still to come for unreported units of open periods. */
export function pendingRungs(machine: TaskMachine): PendingRung[] {
  const pending: PendingRung[] = [];
  for (const period of machine.data.periods) {
    if (!machine.isOpen(period)) continue;
    for (const unit of machine.reportingUnits()) {
      if (machine.isReported(period.id, unit.name)) continue;
      const dueOn = machine.dueFor(period, unit.name);
      for (const step of ladderFor(dueOn, machine.input.settings, machine.calendar)) {
        if (machine.data.rungs[currentRungKey(machine, period.id, unit.name, step.level)] !== undefined)
          continue;
        pending.push({ period, unit, level: step.level, at: step.at, light: step.light });
      }
    }
  }
  return pending;
}

/** Fires every rung due at `now`: the reminder or escalation mail, its record, and its light. */
export function climbLadders(machine: TaskMachine, now: number): void {
  for (const rung of pendingRungs(machine)) {
    if (rung.at > now) continue;
    const { period, unit, level } = rung;
    machine.data.rungs[currentRungKey(machine, period.id, unit.name, level)] = rung.light ?? '';
    const round = roundOf(machine, period.id, unit.name);
    const step = `${level}/${period.id}/${unit.name}${round ? `#${round}` : ''}`;
    const dueOn = machine.dueFor(period, unit.name);
    const about: MailTopic = {
      topic: 'ladder',
      level,
      period: period.id,
      periodLabel: period.label,
      dueOn,
    };
    const escalate = level === 'escalation';
    machine.mail(step, escalate ? 'escalation' : 'reminder', about, now, { unit, toOffice: escalate });
    // recorded at the rung's own moment (the wake-up may come a few ms later)
    machine.emit({
      type: 'escalation',
      key: `${machine.workflowId}/${step}`,
      unit: unit.name,
      period: period.id,
      level,
      at: rung.at,
    });
    if (rung.light) {
      const late = machine.calendar.workingDaysBetween(dueOn, toIsoDate(rung.at));
      updateLight(
        machine,
        rung.at,
        `${unit.name}「${period.label}」逾期 ${late} 个工作日未报送，${LADDER_LABELS[level]}`,
      );
    }
  }
}

/** Back from a pause: the rungs that fell due meanwhile are passed over, not sent as a backlog. */
export function passOverDueRungs(machine: TaskMachine, now: number): void {
  for (const rung of pendingRungs(machine))
    if (rung.at <= now)
      machine.data.rungs[currentRungKey(machine, rung.period.id, rung.unit.name, rung.level)] = '';
}

// ------------------------------------------------------------------ lights

/** A unit's ladder light: the worst rung fired for periods it has not reported since. */
function unitLadderLight(machine: TaskMachine, unit: string): Light {
  let light: Light = 'green';
  const requested = machine.data.periods
    .filter((period) => period.requested)
    .sort((a, b) => a.requestAt - b.requestAt);
  const lastReported = requested.map((period) => machine.isReported(period.id, unit)).lastIndexOf(true);
  requested.forEach((period, index) => {
    if (index < lastReported || machine.isReported(period.id, unit)) return;
    for (const level of LEVELS) {
      const rungLight = machine.data.rungs[currentRungKey(machine, period.id, unit, level)];
      if (rungLight) light = worseLight(light, rungLight);
    }
  });
  return light;
}

function unitLagging(machine: TaskMachine, unit: string, now: number): boolean {
  const percent = machine.data.lastPercent[unit];
  if (percent === undefined || percent === null) return false;
  return isLagging(
    percent,
    now,
    `${machine.input.year}-01-01`,
    machine.data.deadline,
    machine.input.settings.lagMarginPercent,
  );
}

/** A lead unit's light: its ladder's, at least yellow while its progress lags. */
export function unitLight(machine: TaskMachine, unit: string, now: number): Light {
  return worseLight(unitLadderLight(machine, unit), unitLagging(machine, unit, now) ? 'yellow' : 'green');
}

/** Recomputes the task's light; a change is kept with its time and cause ('' → the lag or its end). */
export function updateLight(machine: TaskMachine, now: number, cause: string): void {
  const data = machine.data;
  const units = machine.reportingUnits().map((unit) => unit.name);
  const lagging = units.filter((unit) => unitLagging(machine, unit, now));
  const light = taskLight({
    unitLights: units.map((unit) => unitLadderLight(machine, unit)),
    lagging: lagging.length > 0,
  });
  if (light === data.light) return;
  const why =
    cause ||
    (lagging.length
      ? `${lagging.join('、')} 所报进度落后于时序进度超过 ${machine.input.settings.lagMarginPercent} 个百分点`
      : '各单位已按期报送、进度跟上');
  const change = {
    at: now,
    from: data.light,
    to: light,
    cause: `${LIGHT_LABELS[data.light]} → ${LIGHT_LABELS[light]}：${why}`,
  };
  data.lightHistory.push(change);
  machine.emit({ type: 'light', key: `${machine.workflowId}/light/${data.lightHistory.length}`, ...change });
  data.light = light;
}

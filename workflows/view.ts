// What the outside sees of a task: the state word (进行中 / 已暂停 / …), the
// next due date, the read-model row the database keeps (queued only when it
// changed), and the whole view the `state` query answers.
import { dueEndsAt } from './schedule.ts';
import type { IsoDate } from './types.ts';
import type { TaskStateWord } from './effects.ts';
import type { TaskView } from './messages.ts';
import { periodUnitKey } from './task-data.ts';
import { unitLight } from './escalation.ts';
import { proposal } from './closing.ts';
import type { TaskMachine } from './state.ts';

export function stateWord(machine: TaskMachine, now: number): TaskStateWord {
  switch (machine.data.phase) {
    case 'withdrawn':
      return '已撤销';
    case 'closed':
      return '已办结';
    case 'suspended':
      return '已暂停';
    default:
      return machine.finalPeriod().requested && now >= dueEndsAt(machine.finalPeriod().dueOn)
        ? '待评定'
        : '进行中';
  }
}

/** The earliest date a report is due: an unrequested period's, or an open one's for a unit yet to report. */
export function nextDue(machine: TaskMachine): IsoDate | undefined {
  if (machine.closed) return undefined;
  const dues: IsoDate[] = [];
  for (const period of machine.data.periods) {
    if (period.skipped) continue;
    if (!period.requested) dues.push(period.dueOn);
    else if (machine.isOpen(period))
      for (const unit of machine.reportingUnits())
        if (!machine.isReported(period.id, unit.name)) dues.push(machine.dueFor(period, unit.name));
  }
  return dues.sort()[0];
}

/** Queues the read-model row when what it shows changed. */
export function project(machine: TaskMachine, now: number): void {
  const row = {
    type: 'task' as const,
    state: stateWord(machine, now),
    light: machine.data.light,
    nextDue: nextDue(machine) ?? null,
    lastReport: machine.data.lastReport ?? null,
  };
  const signature = JSON.stringify(row);
  if (signature === machine.data.lastProjection) return;
  machine.data.lastProjection = signature;
  machine.emit(row);
}

/** The answer to the `state` query. */
export function taskView(machine: TaskMachine, now: number): TaskView {
  const data = machine.data;
  const units = [
    ...data.lead.map((unit) => ({ unit, role: 'lead' as const })),
    ...data.co.map((unit) => ({ unit, role: 'co' as const })),
  ];
  return {
    workflowId: machine.workflowId,
    phase: data.phase,
    now,
    deadline: data.deadline,
    light: data.light,
    units: units.map(({ unit, role }) => ({
      name: unit.name,
      role,
      light: role === 'lead' ? unitLight(machine, unit.name, now) : 'green',
      acknowledgedAt: data.acknowledged[unit.name],
      lastPercent: data.lastPercent[unit.name],
    })),
    periods: data.periods
      .filter((period) => !period.skipped)
      .map((period) => ({
        id: period.id,
        label: period.label,
        requestAt: period.requestAt,
        dueOn: period.dueOn,
        final: period.final,
        requested: period.requested,
        reported: Object.fromEntries(
          units
            .filter(({ unit }) => machine.isReported(period.id, unit.name))
            .map(({ unit }) => [unit.name, data.accepted[periodUnitKey(period.id, unit.name)]!]),
        ),
      })),
    nextDue: nextDue(machine),
    lastReport: data.lastReport,
    proposal: machine.finalPeriod().requested ? proposal(machine) : undefined,
    verdict: data.verdict,
    pendingExtensions: Object.values(data.extensions).filter((extension) => !extension.decided),
    suspended:
      data.suspendedAt !== undefined ? { at: data.suspendedAt, reason: data.suspendReason ?? '' } : undefined,
    lightHistory: data.lightHistory,
    refusals: data.refusals,
  };
}

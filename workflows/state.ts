// The task workflow's state machine: the agenda (which periods are open,
// who has reported, what is due) and what happens as time passes (交办
// notices, 请报 requests, the ladders, closing). Pure and deterministic: every
// method takes `now` (the workflow's clock) and queues effects instead of
// doing anything. The data lives in one plain object (TaskData, task-data.ts)
// so continue-as-new carries it whole.
//
// The rest of the machine, by topic:
//   escalation.ts     the 催办 → 督办 ladder climbed for late units, and the lights
//   reports.ts        a unit's report: its rules, taking it, 签收
//   office-actions.ts every update's rules (validate / apply) and the handlers
//   closing.ts        the proposed verdict and closing the task
//   view.ts           what the outside sees: the state query and the read-model row
// and the pure policy they use: schedule.ts (when to ask), ladder.ts (when
// each rung falls), lights.ts, verdict.ts, calendar.ts.
import { toIsoDate, WorkingCalendar } from './calendar.ts';
import { planPeriods, reviewEndsAt, sendTime } from './schedule.ts';
import type { IsoDate, Light, Period, ReportInput, ReportOutcome, UnitRef, Verdict } from './types.ts';
import type { Effect, MailOrder, MailOutcome, MailTopic, TaskBrief, TaskStateWord } from './effects.ts';
import type { TaskView } from './messages.ts';
import {
  initialTaskData,
  periodUnitKey,
  type PeriodState,
  type TaskData,
  type TaskWorkflowInput,
} from './task-data.ts';
import { climbLadders, pendingRungs, unitLight, updateLight } from './escalation.ts';
import { acknowledge, takeReport } from './reports.ts';
import { close, proposal } from './closing.ts';
import { nextDue, project, stateWord, taskView } from './view.ts';

export type {
  ExtensionState,
  LightChange,
  PeriodState,
  StoredReport,
  TaskData,
  TaskResult,
  TaskWorkflowInput,
} from './task-data.ts';

export class TaskMachine {
  readonly calendar: WorkingCalendar;
  readonly data: TaskData;
  /** set when something changed the agenda: the main loop wakes up */
  changed = false;

  /**
   * @param patched Temporal's patched() in the workflow: whether a change
   *   that alters what an older history did may run (true outside a workflow).
   */
  constructor(
    readonly input: TaskWorkflowInput,
    readonly workflowId: string,
    now: number,
    readonly patched: (patchId: string) => boolean = () => true,
  ) {
    this.calendar = new WorkingCalendar(input.calendar);
    this.data = input.carried ?? initialTaskData(input, this.plan(now, input.deadline), now);
  }

  get brief(): TaskBrief {
    return {
      taskSetId: this.input.taskSetId,
      seq: this.input.seq,
      category: this.input.category,
      text: this.input.text,
      deadline: this.data.deadline,
    };
  }

  get closed(): boolean {
    return this.data.phase === 'closed' || this.data.phase === 'withdrawn';
  }

  /** The periods from `startedAt` to a deadline, by the task set's schedule. */
  plan(startedAt: number, deadline: IsoDate): Period[] {
    return planPeriods({
      year: this.input.year,
      startedAt,
      deadline,
      settings: this.input.settings,
      cal: this.calendar,
    });
  }

  // --------------------------------------------------------------- effects

  emit(effect: Effect): void {
    this.data.effects.push(effect);
    this.changed = true;
  }

  takeEffects(): Effect[] {
    const taken = this.data.effects;
    this.data.effects = [];
    return taken;
  }

  mail(step: string, kind: MailOrder['kind'], about: MailTopic, now: number, to: Partial<MailOrder>): void {
    this.emit({ type: 'mail', mail: { step, kind, about, at: now, ...to } });
  }

  /**
   * A wake-up's mails have gone (patch 'per-mail-activity'; `now` is when the
   * last one finished). A 请报 that went out working days after it was
   * ordered (the mail server was down) gives its unit those days back: its
   * due date, and with it the 催办/督办 ladder, moves by the days Duban lost,
   * so Duban's own outage never advances a unit's ladder.
   */
  mailsDone(done: { mail: MailOrder; outcome?: MailOutcome }[], now: number): void {
    for (const { mail, outcome } of done) {
      const about = mail.about;
      if (about.topic !== 'request' || !mail.unit || outcome?.status !== 'sent') continue;
      const lost = this.calendar.workingDaysBetween(toIsoDate(mail.at), toIsoDate(now));
      if (lost <= 0) continue;
      const period = this.data.periods.find((candidate) => candidate.id === about.period);
      if (!period) continue;
      const unit = mail.unit.name;
      const dueOn = this.calendar.addWorkingDays(this.dueFor(period, unit), lost);
      this.data.dueOverride[periodUnitKey(period.id, unit)] = dueOn;
      this.emit({
        type: 'due-moved',
        period: period.id,
        unit,
        dueOn,
        reason: `请报送邮件因邮件服务器故障迟发 ${lost} 个工作日，报送期限顺延至 ${dueOn}`,
      });
    }
  }

  // ---------------------------------------------------------------- agenda

  finalPeriod(): PeriodState {
    return this.data.periods.find((period) => period.final)!;
  }

  /** A periodic period closes when the next one is requested; the final one when the task closes. */
  isOpen(period: PeriodState): boolean {
    if (!period.requested || this.closed) return false;
    if (period.final) return true;
    const later = this.data.periods.find((other) => other.requestAt > period.requestAt && !other.skipped);
    return !later || !later.requested;
  }

  /** The units asked for reports: the lead units (co-units may report, but are not chased). */
  reportingUnits(): UnitRef[] {
    return this.data.lead;
  }

  /** The lead or co unit of that name, or undefined. */
  unitOnTask(name: string): UnitRef | undefined {
    return (
      this.data.lead.find((unit) => unit.name === name) ?? this.data.co.find((unit) => unit.name === name)
    );
  }

  /** The period open now (requested, not yet followed by the next one), if any. */
  openPeriod(): PeriodState | undefined {
    return this.data.periods
      .filter((period) => !period.skipped && this.isOpen(period))
      .sort((a, b) => a.requestAt - b.requestAt)
      .at(-1);
  }

  isReported(period: string, unit: string): boolean {
    const key = this.data.accepted[periodUnitKey(period, unit)];
    return key !== undefined && !this.data.reports[key]?.returned;
  }

  dueFor(period: PeriodState, unit: string): IsoDate {
    return this.data.dueOverride[periodUnitKey(period.id, unit)] ?? period.dueOn;
  }

  /** The next moment the workflow has something to do, or undefined (waiting only for people). */
  nextWake(): number | undefined {
    if (this.closed || this.data.phase === 'suspended') return undefined;
    const times: number[] = [];
    if (!this.data.noticeSent) times.push(sendTime(this.data.startedAt, this.input.settings, this.calendar));
    for (const period of this.data.periods)
      if (!period.requested && !period.skipped) times.push(period.requestAt);
    for (const rung of pendingRungs(this)) times.push(rung.at);
    if (this.data.reviewEndsAt !== undefined) times.push(this.data.reviewEndsAt);
    // Lag grows with time alone; it is looked at on every wake-up (at least each period's request).
    return times.length ? Math.min(...times) : undefined;
  }

  // ------------------------------------------------------------ time passes

  /** Does everything due at `now`. */
  advance(now: number): void {
    if (this.closed || this.data.phase === 'suspended') return;
    if (!this.data.noticeSent && sendTime(this.data.startedAt, this.input.settings, this.calendar) <= now)
      this.sendNotices(now);
    this.requestDuePeriods(now);
    climbLadders(this, now);
    if (this.data.reviewEndsAt === undefined && this.finalPeriod().requested) {
      this.data.reviewEndsAt = reviewEndsAt(this.finalPeriod().dueOn, this.input.settings, this.calendar);
    }
    updateLight(this, now, '');
    if (this.data.officeDecision || (this.data.reviewEndsAt !== undefined && now >= this.data.reviewEndsAt)) {
      close(this, now);
    }
    project(this, now);
  }

  private sendNotices(now: number): void {
    this.data.noticeSent = true;
    for (const unit of this.data.lead) this.notice(unit, now);
  }

  /** The 交办 notice to one lead unit, the co-units copied. */
  notice(unit: UnitRef, now: number): void {
    this.mail(
      `notice/${unit.name}`,
      'notice',
      { topic: 'notice', role: 'lead', coUnits: this.data.co.map((co) => co.name) },
      now,
      {
        unit,
        cc: this.data.co,
      },
    );
  }

  private requestDuePeriods(now: number): void {
    const due = this.data.periods.filter(
      (period) => !period.requested && !period.skipped && period.requestAt <= now,
    );
    due.forEach((period, index) => {
      // After a pause only the latest periodic request goes out; the final one always does.
      const laterDue = due.slice(index + 1).some((other) => !other.final);
      if (!period.final && laterDue) {
        period.skipped = true;
        return;
      }
      this.request(period, this.reportingUnits(), now);
    });
  }

  /** The 请报 of a period, to those of `units` that have not reported it. */
  request(period: PeriodState, units: UnitRef[], now: number): void {
    period.requested = true;
    const asked = units.filter((unit) => !this.isReported(period.id, unit.name));
    if (!asked.length) return;
    this.emit({
      type: 'request',
      period: period.id,
      requestedAt: now,
      dueOn: period.dueOn,
      units: asked.map((unit) => unit.name),
    });
    for (const unit of asked) {
      const about: MailTopic = {
        topic: 'request',
        period: period.id,
        periodLabel: period.label,
        dueOn: this.dueFor(period, unit.name),
        final: period.final,
      };
      this.mail(`request/${period.id}/${unit.name}`, 'request', about, now, { unit });
    }
  }

  /**
   * The periods under a new deadline, computed without touching anything (a
   * handler plans before it changes a field): what has been requested stays
   * as it was; if the final request already went out, only its due date moves.
   */
  planDeadline(
    deadline: IsoDate,
    now: number,
  ): { periods: PeriodState[]; requestedFinal?: PeriodState; finalDueOn: IsoDate } {
    const plan = this.plan(this.data.startedAt, deadline);
    const kept = this.data.periods.filter((period) => period.requested || period.skipped);
    const requestedFinal = kept.find((period) => period.final);
    const fresh = plan
      .filter((period) => !kept.some((k) => k.id === period.id) && !(requestedFinal && period.final))
      .map((period) => ({ ...period, requested: false, skipped: !period.final && period.requestAt <= now }));
    return {
      periods: [...kept, ...fresh].sort((a, b) => a.requestAt - b.requestAt),
      requestedFinal,
      finalDueOn: plan.find((period) => period.final)!.dueOn,
    };
  }

  /** Moves the deadline and re-plans what has not been requested yet (by `plan`, when worked out before). */
  moveDeadline(
    deadline: IsoDate,
    reason: string,
    now: number,
    plan: ReturnType<TaskMachine['planDeadline']> = this.planDeadline(deadline, now),
  ): void {
    const { periods, requestedFinal, finalDueOn } = plan;
    this.data.deadline = deadline;
    if (requestedFinal) {
      requestedFinal.dueOn = finalDueOn;
      this.data.reviewEndsAt = undefined;
      for (const unit of this.reportingUnits())
        delete this.data.dueOverride[periodUnitKey(requestedFinal.id, unit.name)];
    }
    this.data.periods = periods;
    this.emit({ type: 'extended', deadline, reason });
    this.changed = true;
    project(this, now);
  }

  // ------------------------------------------- the other files, for callers

  report(input: ReportInput, now: number): ReportOutcome {
    return takeReport(this, input, now);
  }

  acknowledge(unit: string, at: number, channel?: string): void {
    acknowledge(this, unit, at, channel);
  }

  unitLight(unit: string, now: number): Light {
    return unitLight(this, unit, now);
  }

  proposal(): { verdict: Verdict; reason: string } {
    return proposal(this);
  }

  stateWord(now: number): TaskStateWord {
    return stateWord(this, now);
  }

  nextDue(): IsoDate | undefined {
    return nextDue(this);
  }

  project(now: number): void {
    project(this, now);
  }

  view(now: number): TaskView {
    return taskView(this, now);
  }
}

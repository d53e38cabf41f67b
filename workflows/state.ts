// The task workflow's state machine, kept out of the workflow function so the
// function stays short. Pure and deterministic: every method takes `now` (the
// workflow's clock) and queues effects instead of doing anything. The data
// lives in one plain object (TaskData) so continue-as-new carries it whole.
import { toIsoDate, WorkingCalendar } from './calendar.ts';
import { planPeriods, reviewEndsAt, sendTime, dueEndsAt } from './schedule.ts';
import { ladderFor, LADDER_LABELS } from './ladder.ts';
import { isLagging, taskLight, worseLight, LIGHT_LABELS } from './lights.ts';
import { proposeVerdict } from './verdict.ts';
import type {
  CalendarData,
  IsoDate,
  LadderLevel,
  Light,
  Period,
  ReportInput,
  ReportOutcome,
  ScheduleSettings,
  UnitRef,
  Verdict,
} from './types.ts';
import type { Effect, MailOrder, MailTopic, TaskBrief, TaskStateWord } from './effects.ts';
import type {
  ExtendDeadlineInput,
  ExtensionDecisionInput,
  ExtensionRequestInput,
  OfficeActionInput,
  OfficeVerdictInput,
  ReassignInput,
  ReturnReportInput,
  TaskPhase,
  TaskVerdict,
  TaskView,
} from './messages.ts';

export interface TaskWorkflowInput {
  taskSetId: string;
  seq: string;
  category: string;
  text: string;
  year: number;
  deadline: IsoDate;
  lead: UnitRef[];
  co: UnitRef[];
  settings: ScheduleSettings;
  calendar: CalendarData;
  /**
   * Added to the server clock: 0 in production; simulate and tests run a past
   * year on a time-skipping server that starts today.
   */
  clockOffsetMs?: number;
  /** upsert DubanLight / DubanStatus as they change (needs the attributes registered on the server) */
  searchAttributes?: boolean;
  /** state carried over by continue-as-new */
  carried?: TaskData;
}

export interface TaskResult {
  workflowId: string;
  seq: string;
  outcome: 'verdict' | 'withdrawn';
  verdict?: TaskVerdict;
  withdrawn?: { reason: string; by: string; at: number };
}

interface PeriodState extends Period {
  requested: boolean;
  /** passed over (started late, suspended): never requested */
  skipped: boolean;
}

interface StoredReport {
  key: string;
  period: string;
  unit: string;
  status: ReportInput['status'];
  percent: number | null;
  text: string;
  reason?: string;
  at: number;
  returned?: boolean;
}

interface ExtensionState extends ExtensionRequestInput {
  decided?: { approve: boolean; by: string; reason?: string };
}

/** Everything the workflow knows; plain data, carried across continue-as-new. */
export interface TaskData {
  startedAt: number;
  deadline: IsoDate;
  lead: UnitRef[];
  co: UnitRef[];
  phase: TaskPhase;
  noticeSent: boolean;
  periods: PeriodState[];
  reports: Record<string, StoredReport>;
  /** `${period}|${unit}` → accepted report key */
  accepted: Record<string, string>;
  /** `${period}|${unit}` → due date when it differs from the period's (退回) */
  dueOverride: Record<string, IsoDate>;
  /** `${period}|${unit}` → how many times it was sent back (keys of the new ladder) */
  round: Record<string, number>;
  /** `${period}|${unit}|${level}|${round}` → the rung's light ('' when none) once done */
  rungs: Record<string, Light | ''>;
  /** unit → when it acknowledged (签收) the 交办 */
  acknowledged: Record<string, number>;
  lastPercent: Record<string, number | null>;
  light: Light;
  lightHistory: { at: number; from: Light; to: Light; cause: string }[];
  lastReport?: string;
  extensions: Record<string, ExtensionState>;
  refusals: { key: string; reason: string }[];
  suspendedAt?: number;
  suspendReason?: string;
  reviewEndsAt?: number;
  officeDecision?: OfficeVerdictInput & { at: number };
  verdict?: TaskVerdict;
  withdrawn?: { reason: string; by: string; at: number };
  lastProjection?: string;
  /** effects not yet applied when the run continued as new */
  effects: Effect[];
}

const pu = (period: string, unit: string) => `${period}|${unit}`;

export class TaskMachine {
  readonly cal: WorkingCalendar;
  readonly d: TaskData;
  /** set when something changed the agenda: the main loop wakes up */
  changed = false;

  constructor(
    readonly input: TaskWorkflowInput,
    readonly workflowId: string,
    now: number,
  ) {
    this.cal = new WorkingCalendar(input.calendar);
    this.d = input.carried ?? {
      startedAt: now,
      deadline: input.deadline,
      lead: input.lead,
      co: input.co,
      phase: 'running',
      noticeSent: false,
      periods: this.plan(now, input.deadline).map((p) => ({ ...p, requested: false, skipped: false })),
      reports: {},
      accepted: {},
      dueOverride: {},
      round: {},
      rungs: {},
      acknowledged: {},
      lastPercent: {},
      light: 'green',
      lightHistory: [],
      extensions: {},
      refusals: [],
      effects: [],
    };
  }

  get brief(): TaskBrief {
    const i = this.input;
    return {
      taskSetId: i.taskSetId,
      seq: i.seq,
      category: i.category,
      text: i.text,
      deadline: this.d.deadline,
    };
  }

  get closed(): boolean {
    return this.d.phase === 'closed' || this.d.phase === 'withdrawn';
  }

  private plan(startedAt: number, deadline: IsoDate): Period[] {
    return planPeriods({
      year: this.input.year,
      startedAt,
      deadline,
      settings: this.input.settings,
      cal: this.cal,
    });
  }

  private emit(effect: Effect): void {
    this.d.effects.push(effect);
    this.changed = true;
  }

  takeEffects(): Effect[] {
    const out = this.d.effects;
    this.d.effects = [];
    return out;
  }

  private mail(
    step: string,
    kind: MailOrder['kind'],
    about: MailTopic,
    now: number,
    to: Partial<MailOrder>,
  ): void {
    this.emit({ type: 'mail', mail: { step, kind, about, at: now, ...to } });
  }

  // ---------------------------------------------------------------- agenda

  private finalPeriod(): PeriodState {
    return this.d.periods.find((p) => p.final)!;
  }

  /** A periodic period closes when the next one is requested; the final one when the task closes. */
  private isOpen(p: PeriodState): boolean {
    if (!p.requested || this.closed) return false;
    if (p.final) return true;
    const later = this.d.periods.find((q) => q.requestAt > p.requestAt && !q.skipped);
    return !later || !later.requested;
  }

  private reportingUnits(): UnitRef[] {
    return this.d.lead;
  }

  private isReported(period: string, unit: string): boolean {
    const key = this.d.accepted[pu(period, unit)];
    return key !== undefined && !this.d.reports[key]?.returned;
  }

  private dueFor(p: PeriodState, unit: string): IsoDate {
    return this.d.dueOverride[pu(p.id, unit)] ?? p.dueOn;
  }

  private rungKey(period: string, unit: string, level: LadderLevel): string {
    return `${period}|${unit}|${level}|${this.d.round[pu(period, unit)] ?? 0}`;
  }

  /** Rungs still to come for unreported units of open periods. */
  private pendingRungs(): { p: PeriodState; unit: UnitRef; level: LadderLevel; at: number; light?: Light }[] {
    const out: { p: PeriodState; unit: UnitRef; level: LadderLevel; at: number; light?: Light }[] = [];
    for (const p of this.d.periods) {
      if (!this.isOpen(p)) continue;
      for (const unit of this.reportingUnits()) {
        if (this.isReported(p.id, unit.name)) continue;
        for (const step of ladderFor(this.dueFor(p, unit.name), this.input.settings, this.cal)) {
          if (this.d.rungs[this.rungKey(p.id, unit.name, step.level)] !== undefined) continue;
          out.push({ p, unit, level: step.level, at: step.at, light: step.light });
        }
      }
    }
    return out;
  }

  /** The next moment the workflow has something to do, or undefined (waiting only for people). */
  nextWake(): number | undefined {
    if (this.closed || this.d.phase === 'suspended') return undefined;
    const times: number[] = [];
    if (!this.d.noticeSent) times.push(sendTime(this.d.startedAt, this.input.settings, this.cal));
    for (const p of this.d.periods) if (!p.requested && !p.skipped) times.push(p.requestAt);
    for (const r of this.pendingRungs()) times.push(r.at);
    if (this.d.reviewEndsAt !== undefined) times.push(this.d.reviewEndsAt);
    // Lag grows with time alone; it is looked at on every wake-up (at least each period's request).
    return times.length ? Math.min(...times) : undefined;
  }

  // ------------------------------------------------------------ time passes

  /** Does everything due at `now`. */
  advance(now: number): void {
    if (this.closed || this.d.phase === 'suspended') return;
    if (!this.d.noticeSent && sendTime(this.d.startedAt, this.input.settings, this.cal) <= now)
      this.sendNotices(now);
    this.requestDuePeriods(now);
    this.climbLadders(now);
    if (this.d.reviewEndsAt === undefined && this.finalPeriod().requested) {
      this.d.reviewEndsAt = reviewEndsAt(this.finalPeriod().dueOn, this.input.settings, this.cal);
    }
    this.updateLight(now, '');
    if (this.d.officeDecision || (this.d.reviewEndsAt !== undefined && now >= this.d.reviewEndsAt)) {
      this.close(now);
    }
    this.project(now);
  }

  private sendNotices(now: number): void {
    this.d.noticeSent = true;
    for (const unit of this.d.lead) this.notice(unit, now);
  }

  private notice(unit: UnitRef, now: number): void {
    this.mail(
      `notice/${unit.name}`,
      'notice',
      { topic: 'notice', role: 'lead', coUnits: this.d.co.map((u) => u.name) },
      now,
      {
        unit,
        cc: this.d.co,
      },
    );
  }

  private requestDuePeriods(now: number): void {
    const due = this.d.periods.filter((p) => !p.requested && !p.skipped && p.requestAt <= now);
    due.forEach((p, i) => {
      // After a pause only the latest periodic request goes out; the final one always does.
      const laterDue = due.slice(i + 1).some((q) => !q.final);
      if (!p.final && laterDue) {
        p.skipped = true;
        return;
      }
      this.request(p, this.reportingUnits(), now);
    });
  }

  private request(p: PeriodState, units: UnitRef[], now: number): void {
    p.requested = true;
    const asked = units.filter((u) => !this.isReported(p.id, u.name));
    if (!asked.length) return;
    this.emit({
      type: 'request',
      period: p.id,
      requestedAt: now,
      dueOn: p.dueOn,
      units: asked.map((u) => u.name),
    });
    for (const unit of asked) {
      const about: MailTopic = {
        topic: 'request',
        period: p.id,
        periodLabel: p.label,
        dueOn: this.dueFor(p, unit.name),
        final: p.final,
      };
      this.mail(`request/${p.id}/${unit.name}`, 'request', about, now, { unit });
    }
  }

  private climbLadders(now: number): void {
    for (const r of this.pendingRungs()) {
      if (r.at > now) continue;
      const key = this.rungKey(r.p.id, r.unit.name, r.level);
      this.d.rungs[key] = r.light ?? '';
      const round = this.d.round[pu(r.p.id, r.unit.name)] ?? 0;
      const step = `${r.level}/${r.p.id}/${r.unit.name}${round ? `#${round}` : ''}`;
      const dueOn = this.dueFor(r.p, r.unit.name);
      const about: MailTopic = {
        topic: 'ladder',
        level: r.level,
        period: r.p.id,
        periodLabel: r.p.label,
        dueOn,
      };
      const escalate = r.level === 'escalation';
      this.mail(step, escalate ? 'escalation' : 'reminder', about, now, { unit: r.unit, toOffice: escalate });
      // recorded at the rung's own moment (the wake-up may come a few ms later)
      this.emit({
        type: 'escalation',
        key: `${this.workflowId}/${step}`,
        unit: r.unit.name,
        period: r.p.id,
        level: r.level,
        at: r.at,
      });
      if (r.light) {
        const late = this.cal.workingDaysBetween(dueOn, toIsoDate(r.at));
        this.updateLight(
          r.at,
          `${r.unit.name}「${r.p.label}」逾期 ${late} 个工作日未报送，${LADDER_LABELS[r.level]}`,
        );
      }
    }
  }

  // ----------------------------------------------------------------- lights

  /** A unit's ladder light: the worst rung fired for periods it has not reported since. */
  private unitLadderLight(unit: string): Light {
    let light: Light = 'green';
    const requested = this.d.periods.filter((p) => p.requested).sort((a, b) => a.requestAt - b.requestAt);
    const lastReported = requested.map((p) => this.isReported(p.id, unit)).lastIndexOf(true);
    requested.forEach((p, i) => {
      if (i < lastReported || this.isReported(p.id, unit)) return;
      const round = this.d.round[pu(p.id, unit)] ?? 0;
      for (const level of ['reminder1', 'reminder2', 'escalation'] as const) {
        const l = this.d.rungs[`${p.id}|${unit}|${level}|${round}`];
        if (l) light = worseLight(light, l);
      }
    });
    return light;
  }

  private unitLagging(unit: string, now: number): boolean {
    const pct = this.d.lastPercent[unit];
    if (pct === undefined || pct === null) return false;
    return isLagging(
      pct,
      now,
      `${this.input.year}-01-01`,
      this.d.deadline,
      this.input.settings.lagMarginPercent,
    );
  }

  unitLight(unit: string, now: number): Light {
    return worseLight(this.unitLadderLight(unit), this.unitLagging(unit, now) ? 'yellow' : 'green');
  }

  /** Recomputes the task's light; a change is kept with its time and cause. */
  private updateLight(now: number, cause: string): void {
    const units = this.reportingUnits().map((u) => u.name);
    const lagging = units.filter((u) => this.unitLagging(u, now));
    const light = taskLight({
      unitLights: units.map((u) => this.unitLadderLight(u)),
      lagging: lagging.length > 0,
    });
    if (light === this.d.light) return;
    const why =
      cause ||
      (lagging.length
        ? `${lagging.join('、')} 所报进度落后于时序进度超过 ${this.input.settings.lagMarginPercent} 个百分点`
        : '各单位已按期报送、进度跟上');
    const change = {
      at: now,
      from: this.d.light,
      to: light,
      cause: `${LIGHT_LABELS[this.d.light]} → ${LIGHT_LABELS[light]}：${why}`,
    };
    this.d.lightHistory.push(change);
    this.emit({ type: 'light', key: `${this.workflowId}/light/${this.d.lightHistory.length}`, ...change });
    this.d.light = light;
  }

  // ---------------------------------------------------------------- reports

  /** Why a report cannot be taken, or undefined. Duplicates pass (they are answered as such). */
  refusal(r: ReportInput): string | undefined {
    if (this.d.reports[r.key]) return undefined;
    if (this.d.phase === 'withdrawn') return '该任务已撤销，不再接收报送';
    if (this.d.phase === 'closed') return '该任务已办结，不再接收报送';
    const unit = [...this.d.lead, ...this.d.co].find((u) => u.name === r.unit);
    if (!unit) return `单位「${r.unit}」不是本任务的责任单位`;
    const p = this.d.periods.find((q) => q.id === r.period);
    if (!p || p.skipped) return `本任务没有报送期次「${r.period}」`;
    if (!p.requested) return `报送期次「${p.label}」尚未开始，请在收到请报通知后报送`;
    if (!this.isOpen(p)) return `报送期次「${p.label}」已截止，请按最新一期报送`;
    if (r.percent !== null && (r.percent < 0 || r.percent > 100))
      return `进度应在 0–100 之间，收到 ${r.percent}`;
    return undefined;
  }

  /** Takes a report (update handler or signal); refusals are kept and recorded. */
  report(r: ReportInput, now: number): ReportOutcome {
    if (this.d.reports[r.key]) return { accepted: true, duplicate: true };
    const reason = this.refusal(r);
    if (reason) {
      if (!this.d.refusals.some((x) => x.key === r.key)) {
        this.d.refusals.push({ key: r.key, reason });
        this.emit({ type: 'report', report: r, accepted: false, refusalReason: reason });
      }
      return { accepted: false, reason };
    }
    const stored: StoredReport = {
      key: r.key,
      period: r.period,
      unit: r.unit,
      status: r.status,
      percent: r.percent,
      text: r.text,
      reason: r.reason,
      at: now,
    };
    this.d.reports[r.key] = stored;
    this.d.accepted[pu(r.period, r.unit)] = r.key;
    if (r.percent !== null) this.d.lastPercent[r.unit] = r.percent;
    this.d.lastReport = `${r.unit}（${toIsoDate(now)}）：${r.status}${r.percent !== null ? ` ${r.percent}%` : ''}${r.text ? ` ${r.text}` : ''}`;
    this.emit({ type: 'report', report: r, accepted: true });
    const label = this.d.periods.find((p) => p.id === r.period)?.label ?? r.period;
    this.updateLight(
      now,
      `${r.unit} 已报送「${label}」（${r.status}${r.percent !== null ? ` ${r.percent}%` : ''}）`,
    );
    this.project(now);
    return { accepted: true };
  }

  acknowledge(unit: string, at: number): void {
    if (
      this.d.acknowledged[unit] === undefined &&
      [...this.d.lead, ...this.d.co].some((u) => u.name === unit)
    ) {
      this.d.acknowledged[unit] = at;
      this.changed = true;
    }
  }

  validateReturn(x: ReturnReportInput): void {
    const r = this.d.reports[x.reportKey];
    if (!r) throw new Error(`没有这份报告：${x.reportKey}`);
    if (r.returned) return;
    if (this.closed) throw new Error('任务已结束，不能退回报告');
    if (!x.reason.trim()) throw new Error('退回须说明理由');
    const p = this.d.periods.find((q) => q.id === r.period)!;
    if (!this.isOpen(p)) throw new Error(`报送期次「${p.label}」已截止，不能退回`);
  }

  /** 退回: the period opens again for the unit, with three working days to report anew. */
  returnReport(x: ReturnReportInput, now: number): ReportOutcome {
    const r = this.d.reports[x.reportKey]!;
    if (r.returned) return { accepted: true, duplicate: true };
    r.returned = true;
    const p = this.d.periods.find((q) => q.id === r.period)!;
    const k = pu(r.period, r.unit);
    this.d.round[k] = (this.d.round[k] ?? 0) + 1;
    const today = toIsoDate(now);
    const due = this.cal.addWorkingDays(today, 3);
    if (due > p.dueOn) this.d.dueOverride[k] = due;
    const dueOn = this.dueFor(p, r.unit);
    this.emit({ type: 'reopen', period: r.period, unit: r.unit, reportKey: r.key, reason: x.reason, dueOn });
    const unit = this.d.lead.find((u) => u.name === r.unit) ?? this.d.co.find((u) => u.name === r.unit);
    if (unit) {
      this.mail(
        `returned/${r.key}`,
        'other',
        { topic: 'returned', period: p.id, periodLabel: p.label, reason: x.reason, dueOn },
        now,
        { unit },
      );
    }
    this.updateLight(now, `${r.unit}「${p.label}」报告被退回：${x.reason}`);
    this.project(now);
    return { accepted: true };
  }

  // ----------------------------------------------------------- office actions

  validateExtensionRequest(x: ExtensionRequestInput, now: number): void {
    if (this.d.extensions[x.key]) return;
    if (this.closed) throw new Error('任务已结束，不能申请延期');
    if (!this.d.lead.some((u) => u.name === x.unit))
      throw new Error(`只有牵头单位可以申请延期，「${x.unit}」不是本任务的牵头单位`);
    if (!(x.newDeadline > this.d.deadline))
      throw new Error(`新的完成时限 ${x.newDeadline} 应晚于当前时限 ${this.d.deadline}`);
    if (now >= dueEndsAt(this.d.deadline))
      throw new Error(`延期申请须在完成时限 ${this.d.deadline} 之前提出`);
    if (!x.reason.trim()) throw new Error('延期申请须说明理由');
  }

  requestExtension(x: ExtensionRequestInput, now: number): ReportOutcome {
    if (this.d.extensions[x.key]) return { accepted: true, duplicate: true };
    this.d.extensions[x.key] = { ...x };
    const about: MailTopic = {
      topic: 'extension-filed',
      unit: x.unit,
      newDeadline: x.newDeadline,
      reason: x.reason,
    };
    this.mail(`extension-filed/${x.key}`, 'other', about, now, { toOffice: true });
    this.changed = true;
    return { accepted: true };
  }

  validateExtensionDecision(x: ExtensionDecisionInput): void {
    const e = this.d.extensions[x.key];
    if (!e) throw new Error(`没有这份延期申请：${x.key}`);
    if (e.decided) {
      if (e.decided.approve !== x.approve) throw new Error('该延期申请已有不同的决定');
      return;
    }
    if (this.closed) throw new Error('任务已结束');
    if (!x.approve && !x.reason?.trim()) throw new Error('不同意延期须说明理由');
  }

  decideExtension(x: ExtensionDecisionInput, now: number): ReportOutcome {
    const e = this.d.extensions[x.key]!;
    if (e.decided) return { accepted: true, duplicate: true };
    e.decided = { approve: x.approve, by: x.by, reason: x.reason };
    const unit = this.d.lead.find((u) => u.name === e.unit);
    const about: MailTopic = {
      topic: 'extension',
      newDeadline: e.newDeadline,
      approved: x.approve,
      reason: x.reason,
    };
    if (unit) this.mail(`extension/${x.key}`, 'other', about, now, { unit });
    if (x.approve) this.moveDeadline(e.newDeadline, `${e.unit} 申请延期，${x.by} 同意：${e.reason}`, now);
    this.changed = true;
    return { accepted: true };
  }

  validateExtendDeadline(x: ExtendDeadlineInput): void {
    if (this.closed) throw new Error('任务已结束，不能延期');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(x.newDeadline))
      throw new Error(`日期格式应为 YYYY-MM-DD：${x.newDeadline}`);
    if (x.newDeadline < this.d.deadline)
      throw new Error(`新的完成时限 ${x.newDeadline} 早于当前时限 ${this.d.deadline}`);
    if (!x.reason.trim()) throw new Error('延期须说明理由');
  }

  extendDeadline(x: ExtendDeadlineInput, now: number): ReportOutcome {
    if (x.newDeadline === this.d.deadline) return { accepted: true, duplicate: true };
    this.moveDeadline(x.newDeadline, `${x.approver} 决定延期：${x.reason}`, now);
    return { accepted: true };
  }

  /** Re-plans what has not been requested yet; requested periods stay as they were. */
  private moveDeadline(deadline: IsoDate, reason: string, now: number): void {
    this.d.deadline = deadline;
    const plan = this.plan(this.d.startedAt, deadline);
    const kept = this.d.periods.filter((p) => p.requested || p.skipped);
    const final = kept.find((p) => p.final);
    const newFinal = plan.find((p) => p.final)!;
    if (final) {
      // the final request already went out: only its due date moves
      final.dueOn = newFinal.dueOn;
      this.d.reviewEndsAt = undefined;
      for (const unit of this.reportingUnits()) delete this.d.dueOverride[pu(final.id, unit.name)];
    }
    const fresh = plan
      .filter((p) => !kept.some((k) => k.id === p.id) && !(final && p.final))
      .map((p) => ({ ...p, requested: false, skipped: !p.final && p.requestAt <= now }));
    this.d.periods = [...kept, ...fresh].sort((a, b) => a.requestAt - b.requestAt);
    this.emit({ type: 'extended', deadline, reason });
    this.changed = true;
    this.project(now);
  }

  validateReassign(x: ReassignInput): void {
    if (this.closed) throw new Error('任务已结束，不能调整责任单位');
    if (!x.lead.length) throw new Error('至少需要一个牵头单位');
    if (!x.reason.trim()) throw new Error('调整责任单位须说明理由');
  }

  reassign(x: ReassignInput, now: number): ReportOutcome {
    const names = (us: UnitRef[]) =>
      us
        .map((u) => u.name)
        .sort()
        .join('、');
    if (names(x.lead) === names(this.d.lead) && names(x.co) === names(this.d.co))
      return { accepted: true, duplicate: true };
    const added = x.lead.filter((u) => !this.d.lead.some((o) => o.name === u.name));
    this.d.lead = x.lead;
    this.d.co = x.co;
    this.emit({ type: 'assignments', lead: x.lead.map((u) => u.name), co: x.co.map((u) => u.name), at: now });
    if (this.d.noticeSent) for (const u of added) this.notice(u, now);
    const current = this.d.periods.filter((p) => this.isOpen(p));
    for (const p of current) this.request(p, added, now);
    this.updateLight(now, `责任单位调整（${x.by}）：${x.reason}`);
    this.project(now);
    return { accepted: true };
  }

  validateSuspend(x: OfficeActionInput): void {
    if (this.closed) throw new Error('任务已结束，不能暂停');
    if (!x.reason.trim()) throw new Error('暂停须说明理由');
  }

  suspend(x: OfficeActionInput, now: number): ReportOutcome {
    if (this.d.phase === 'suspended') return { accepted: true, duplicate: true };
    this.d.phase = 'suspended';
    this.d.suspendedAt = now;
    this.d.suspendReason = `${x.by}：${x.reason}`;
    this.changed = true;
    this.project(now);
    return { accepted: true };
  }

  /** Back from a pause: what fell due meanwhile is passed over, not sent as a backlog. */
  validateResume(_x: OfficeActionInput): void {
    if (this.closed) throw new Error('任务已结束，不能恢复');
  }

  resume(_x: OfficeActionInput, now: number): ReportOutcome {
    if (this.d.phase !== 'suspended') return { accepted: true, duplicate: true };
    this.d.phase = 'running';
    this.d.suspendedAt = undefined;
    this.d.suspendReason = undefined;
    for (const r of this.pendingRungs())
      if (r.at <= now) this.d.rungs[this.rungKey(r.p.id, r.unit.name, r.level)] = '';
    if (this.d.reviewEndsAt !== undefined && this.d.reviewEndsAt <= now) {
      this.d.reviewEndsAt = reviewEndsAt(
        this.cal.nextWorkingDay(toIsoDate(now)),
        this.input.settings,
        this.cal,
      );
    }
    this.changed = true;
    this.project(now);
    return { accepted: true };
  }

  validateWithdraw(x: OfficeActionInput): void {
    if (this.d.phase === 'withdrawn') return;
    if (this.d.phase === 'closed') throw new Error('任务已办结，不能撤销');
    if (!x.reason.trim()) throw new Error('撤销须说明理由');
  }

  withdraw(x: OfficeActionInput, now: number): ReportOutcome {
    if (this.d.phase === 'withdrawn') return { accepted: true, duplicate: true };
    this.d.phase = 'withdrawn';
    this.d.withdrawn = { reason: x.reason, by: x.by, at: now };
    for (const unit of this.d.lead)
      this.mail(`withdrawn/${unit.name}`, 'other', { topic: 'withdrawn', reason: x.reason }, now, {
        unit,
        cc: this.d.co,
      });
    this.project(now);
    return { accepted: true };
  }

  validateOfficeVerdict(x: OfficeVerdictInput, now: number): void {
    if (this.closed) throw new Error('任务已结束，评定已作出');
    const final = this.finalPeriod();
    if (!final.requested) throw new Error('最终报告尚未请报，还不能评定');
    // Deciding closes the task: before the final report is due, only once every
    // lead unit has filed it, or a unit would lose the chance to report.
    const allFiled = this.d.lead.every((u) => this.isReported('final', u.name));
    if (now < dueEndsAt(final.dueOn) && !allFiled) {
      throw new Error(`最终报告截止（${final.dueOn}）前，须待各牵头单位都报送最终报告后才能评定`);
    }
    if (x.verdict && !x.reason?.trim()) throw new Error('改变评定须说明理由');
  }

  officeVerdict(x: OfficeVerdictInput, now: number): ReportOutcome {
    if (this.d.officeDecision) return { accepted: true, duplicate: true };
    this.d.officeDecision = { ...x, at: now };
    this.changed = true;
    return { accepted: true };
  }

  // ------------------------------------------------------------------ close

  /** The proposal from each lead unit's final report; the weakest one counts. */
  proposal(): { verdict: Verdict; reason: string } {
    const rank: Record<Verdict, number> = { 完成: 2, 部分完成: 1, 未完成: 0 };
    const parts = this.d.lead.map((u) => {
      const key = this.isReported('final', u.name) ? this.d.accepted[pu('final', u.name)] : undefined;
      const r = key ? this.d.reports[key] : undefined;
      return {
        unit: u.name,
        ...proposeVerdict(r && { status: r.status, percent: r.percent, text: r.text, reason: r.reason }),
      };
    });
    const worst = parts.reduce((a, b) => (rank[b.verdict] < rank[a.verdict] ? b : a));
    const reason = parts.length === 1 ? worst.reason : parts.map((p) => `${p.unit}：${p.reason}`).join('；');
    return { verdict: worst.verdict, reason };
  }

  private close(now: number): void {
    const proposal = this.proposal();
    const office = this.d.officeDecision;
    const overridden = Boolean(office?.verdict && office.verdict !== proposal.verdict);
    const verdict: TaskVerdict = office
      ? {
          proposed: proposal.verdict,
          final: office.verdict ?? proposal.verdict,
          reason: overridden
            ? `督查室改定（${office.by}）：${office.reason}`
            : `督查室确认（${office.by}）：${proposal.reason}`,
          decidedBy: 'office',
          overridden,
          decidedAt: now,
        }
      : {
          proposed: proposal.verdict,
          final: proposal.verdict,
          reason: `评定期满，督查室未改定，按建议评定：${proposal.reason}`,
          decidedBy: 'default',
          overridden: false,
          decidedAt: now,
        };
    this.d.verdict = verdict;
    this.d.phase = 'closed';
    this.emit({
      type: 'verdict',
      proposed: verdict.proposed,
      final: verdict.final,
      reason: verdict.reason,
      decidedBy: verdict.decidedBy,
      overridden,
      at: now,
    });
    for (const unit of this.d.lead) {
      this.mail(
        `verdict/${unit.name}`,
        'verdict',
        { topic: 'verdict', verdict: verdict.final, reason: verdict.reason },
        now,
        { unit, cc: this.d.co },
      );
    }
  }

  // ------------------------------------------------------------ projection

  stateWord(now: number): TaskStateWord {
    switch (this.d.phase) {
      case 'withdrawn':
        return '已撤销';
      case 'closed':
        return '已办结';
      case 'suspended':
        return '已暂停';
      default:
        return this.finalPeriod().requested && now >= dueEndsAt(this.finalPeriod().dueOn)
          ? '待评定'
          : '进行中';
    }
  }

  nextDue(): IsoDate | undefined {
    if (this.closed) return undefined;
    const dues: IsoDate[] = [];
    for (const p of this.d.periods) {
      if (p.skipped) continue;
      if (!p.requested) dues.push(p.dueOn);
      else if (this.isOpen(p))
        for (const u of this.reportingUnits())
          if (!this.isReported(p.id, u.name)) dues.push(this.dueFor(p, u.name));
    }
    return dues.sort()[0];
  }

  /** Queues the read-model row when what it shows changed. */
  project(now: number): void {
    const row = {
      type: 'task' as const,
      state: this.stateWord(now),
      light: this.d.light,
      nextDue: this.nextDue() ?? null,
      lastReport: this.d.lastReport ?? null,
    };
    const sig = JSON.stringify(row);
    if (sig === this.d.lastProjection) return;
    this.d.lastProjection = sig;
    this.emit(row);
  }

  view(now: number): TaskView {
    const units = [
      ...this.d.lead.map((u) => ({ u, role: 'lead' as const })),
      ...this.d.co.map((u) => ({ u, role: 'co' as const })),
    ];
    return {
      workflowId: this.workflowId,
      phase: this.d.phase,
      now,
      deadline: this.d.deadline,
      light: this.d.light,
      units: units.map(({ u, role }) => ({
        name: u.name,
        role,
        light: role === 'lead' ? this.unitLight(u.name, now) : 'green',
        acknowledgedAt: this.d.acknowledged[u.name],
        lastPercent: this.d.lastPercent[u.name],
      })),
      periods: this.d.periods
        .filter((p) => !p.skipped)
        .map((p) => ({
          id: p.id,
          label: p.label,
          requestAt: p.requestAt,
          dueOn: p.dueOn,
          final: p.final,
          requested: p.requested,
          reported: Object.fromEntries(
            units
              .filter(({ u }) => this.isReported(p.id, u.name))
              .map(({ u }) => [u.name, this.d.accepted[pu(p.id, u.name)]!]),
          ),
        })),
      nextDue: this.nextDue(),
      lastReport: this.d.lastReport,
      proposal: this.finalPeriod().requested ? this.proposal() : undefined,
      verdict: this.d.verdict,
      pendingExtensions: Object.values(this.d.extensions).filter((e) => !e.decided),
      suspended:
        this.d.suspendedAt !== undefined
          ? { at: this.d.suspendedAt, reason: this.d.suspendReason ?? '' }
          : undefined,
      lightHistory: this.d.lightHistory,
      refusals: this.d.refusals,
    };
  }
}

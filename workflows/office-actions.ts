// Every action on a running task, as a table of rules: for each update, what
// makes its input refused (`validate`) and what it changes (`apply`). This
// is the one file to read for "what may the office do, and when": 退回, 延期
// (asked by a unit, decided by the office, or set directly), 改派, 暂停 /
// 恢复, 撤销 and the office's verdict; a unit's report (报送) is here too,
// with its rules in reports.ts.
//
// A validator refuses with a kind (failures.ts) and a Chinese reason:
// BadInput when the input is malformed (a date that does not exist, a blank
// reason), NotFound when it names no such report or request, Refused when the
// rules say no (the task is closed), Conflict when a different decision was
// already taken. Validators run before the handler and leave no trace in the
// history when they refuse; they check the input's shape first, then the
// task's state, and never throw anything but such a failure. A handler runs
// only after its validator passed and never throws: where it changes several
// fields it works out what could fail first (a re-plan, a date) and only
// then changes anything.
//
// On replay, handlers run again with the recorded inputs and validators do
// not: `apply` must keep doing exactly what it did for every valid input.
import { setHandler } from '@temporalio/workflow';
import type { ApplicationFailure, UpdateDefinition } from '@temporalio/common';
import { toIsoDate } from './calendar.ts';
import { dueEndsAt, reviewEndsAt } from './schedule.ts';
import { badInput, conflict, notFound, refused } from './failures.ts';
import {
  actorProblem,
  dateProblem,
  firstProblem,
  isRecord,
  keyProblem,
  MAX_KEY_LENGTH,
  MAX_REASON_LENGTH,
  MAX_UNIT_NAME_LENGTH,
  MAX_UNITS,
  momentProblem,
  reasonProblem,
  shown,
  textProblem,
  unitRefProblem,
} from './input-checks.ts';
import {
  acknowledgeSignal,
  decideExtensionUpdate,
  extendDeadlineUpdate,
  officeVerdictUpdate,
  reassignUpdate,
  reportSignal,
  requestExtensionSignal,
  requestExtensionUpdate,
  resumeUpdate,
  returnReportUpdate,
  submitReportUpdate,
  suspendUpdate,
  withdrawUpdate,
  type ExtendDeadlineInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type OfficeActionInput,
  type OfficeVerdictInput,
  type ReassignInput,
  type ReturnReportInput,
} from './messages.ts';
import { VERDICTS, type IsoDate, type ReportInput, type ReportOutcome, type UnitRef } from './types.ts';
import type { Effect, MailTopic } from './effects.ts';
import { periodUnitKey, type ExtensionState } from './task-data.ts';
import { passOverDueRungs, updateLight } from './escalation.ts';
import { reportRefusal, takeAcknowledgement, takeReport } from './reports.ts';
import { project } from './view.ts';
import type { TaskMachine } from './state.ts';

/** How far a deadline may be moved: to the end of the task's year plus this many years. */
export const MAX_DEADLINE_YEARS_AFTER = 5;

/** The rules of one update. */
export interface OfficeAction<Input> {
  update: UpdateDefinition<ReportOutcome, [Input]>;
  /** why the input is refused — malformed first, then against the task's state — or undefined */
  validate(machine: TaskMachine, input: Input, now: number): ApplicationFailure | undefined;
  /** the change; runs only after validate passed, and never throws */
  apply(machine: TaskMachine, input: Input, now: number): ReportOutcome;
}

const DUPLICATE: ReportOutcome = { accepted: true, duplicate: true };
const ACCEPTED: ReportOutcome = { accepted: true };

/** An own entry of a record keyed by outside input ('constructor' is not a report). */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A deadline (a real date) further out than the schedule should plan. */
function tooFar(machine: TaskMachine, deadline: IsoDate, label: string): ApplicationFailure | undefined {
  const latest = `${machine.input.year + MAX_DEADLINE_YEARS_AFTER}-12-31`;
  return deadline > latest ? refused(`${label} ${deadline} 太远：最晚可到 ${latest}`) : undefined;
}

// ------------------------------------------------------------------ 报送

const submitReport: OfficeAction<ReportInput> = {
  update: submitReportUpdate,
  validate: (machine, input) => reportRefusal(machine, input),
  apply: (machine, input, now) => takeReport(machine, input, now),
};

// ------------------------------------------------------------------ 退回

/** 退回: the period opens again for the unit, with three working days to report anew. */
const returnReport: OfficeAction<ReturnReportInput> = {
  update: returnReportUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的退回请求：${shown(input)}`);
    const problem = firstProblem(
      keyProblem(input.reportKey, '报告编号'),
      reasonProblem(input.reason, '退回须说明理由'),
      actorProblem(input.by),
    );
    if (problem) return badInput(problem);
    const report = own(machine.data.reports, input.reportKey);
    if (!report) return notFound(`没有这份报告：${input.reportKey}`);
    if (report.returned) return undefined;
    if (machine.closed) return refused('任务已结束，不能退回报告');
    const period = machine.data.periods.find((candidate) => candidate.id === report.period);
    if (!period || !machine.isOpen(period))
      return refused(`报送期次「${period?.label ?? report.period}」已截止，不能退回`);
    return undefined;
  },
  apply(machine, input, now) {
    const data = machine.data;
    const report = data.reports[input.reportKey]!;
    if (report.returned) return DUPLICATE;
    const period = data.periods.find((candidate) => candidate.id === report.period)!;
    const due = machine.calendar.addWorkingDays(toIsoDate(now), 3);
    report.returned = true;
    const key = periodUnitKey(report.period, report.unit);
    data.round[key] = (data.round[key] ?? 0) + 1;
    if (due > period.dueOn) data.dueOverride[key] = due;
    const dueOn = machine.dueFor(period, report.unit);
    machine.emit({
      type: 'reopen',
      period: report.period,
      unit: report.unit,
      reportKey: report.key,
      reason: input.reason,
      dueOn,
    });
    const unit = machine.unitOnTask(report.unit);
    if (unit) {
      machine.mail(
        `returned/${report.key}`,
        'other',
        { topic: 'returned', period: period.id, periodLabel: period.label, reason: input.reason, dueOn },
        now,
        { unit },
      );
    }
    updateLight(machine, now, `${report.unit}「${period.label}」报告被退回：${input.reason}`);
    project(machine, now);
    return ACCEPTED;
  },
};

// ------------------------------------------------------------------ 延期

/** Who refused a 延期申请 that broke the rules (too late, not a later date…): no person did. */
export const RULES_ACTOR = '督办系统（按规则）';

const EXTENSION_CHANNELS = ['email', 'web', 'cli'] as const;

/** The read-model row of a 延期申请 as it stands (since the patch that added it). */
function extensionEffect(machine: TaskMachine, extension: ExtensionState, decidedAt?: number): void {
  if (!machine.patched('extension-effects')) return;
  const decided = extension.decided;
  const effect: Extract<Effect, { type: 'extension' }> = {
    type: 'extension',
    key: extension.key,
    unit: extension.unit,
    newDeadline: extension.newDeadline,
    reason: extension.reason,
    channel: extension.channel ?? 'cli',
    ...(extension.inboundMessageId ? { inboundMessageId: extension.inboundMessageId } : {}),
    requestedAt: extension.receivedAt,
    status: decided ? (decided.approve ? 'approved' : 'refused') : 'pending',
    ...(decided ? { decidedBy: decided.by, decidedAt } : {}),
    ...(decided?.reason ? { decisionReason: decided.reason } : {}),
  };
  machine.emit(effect);
}

/** A unit's mail that the answer goes back under (the web form's submissions are no mail thread). */
function threadOf(extension: ExtensionRequestInput): { inReplyTo?: string } {
  return extension.channel === 'email' && extension.inboundMessageId
    ? { inReplyTo: extension.inboundMessageId }
    : {};
}

/** 延期申请: a lead unit asks for a later deadline, before the current one has passed. */
const requestExtension: OfficeAction<ExtensionRequestInput> = {
  update: requestExtensionUpdate,
  validate(machine, input, now) {
    const data = machine.data;
    if (!isRecord(input)) return badInput(`无法识别的延期申请：${shown(input)}`);
    const key = keyProblem(input.key, '延期申请编号');
    if (key) return badInput(key);
    if (own(data.extensions, input.key)) return undefined;
    const problem = firstProblem(
      textProblem(input.unit, '申请单位', { max: MAX_UNIT_NAME_LENGTH, missing: '缺少申请单位' }),
      dateProblem(input.newDeadline, '申请的完成时限'),
      reasonProblem(input.reason, '延期申请须说明理由'),
      momentProblem(input.receivedAt, '收到时间'),
      input.channel === undefined || EXTENSION_CHANNELS.includes(input.channel)
        ? undefined
        : `申请渠道应为 ${EXTENSION_CHANNELS.join('、')} 之一，收到 ${shown(input.channel)}`,
      textProblem(input.inboundMessageId, '来信编号', { max: MAX_KEY_LENGTH }),
    );
    if (problem) return badInput(problem);
    if (machine.closed) return refused('任务已结束，不能申请延期');
    if (!data.lead.some((unit) => unit.name === input.unit))
      return refused(`只有牵头单位可以申请延期，「${input.unit}」不是本任务的牵头单位`);
    if (!(input.newDeadline > data.deadline))
      return refused(`新的完成时限 ${input.newDeadline} 应晚于当前时限 ${data.deadline}`);
    if (now >= dueEndsAt(data.deadline)) return refused(`延期申请须在完成时限 ${data.deadline} 之前提出`);
    return tooFar(machine, input.newDeadline, '申请的完成时限');
  },
  apply(machine, input, now) {
    if (own(machine.data.extensions, input.key)) return DUPLICATE;
    const extension: ExtensionState = { ...input };
    machine.data.extensions[input.key] = extension;
    const about: MailTopic = {
      topic: 'extension-filed',
      unit: input.unit,
      newDeadline: input.newDeadline,
      reason: input.reason,
      key: input.key,
    };
    machine.mail(`extension-filed/${input.key}`, 'other', about, now, { toOffice: true });
    extensionEffect(machine, extension);
    machine.changed = true;
    return ACCEPTED;
  },
};

/**
 * A 延期申请 that came by signal (a unit's mail) and that the rules refuse:
 * since the patch, kept as refused, and the unit told why in its thread (a
 * signal has no one to answer). A malformed one is dropped: it names no
 * request a person could read.
 */
function refuseSignalledExtension(
  machine: TaskMachine,
  input: ExtensionRequestInput,
  refusal: ApplicationFailure,
  now: number,
): void {
  if (refusal.type !== 'Refused' || !machine.patched('extension-request-refusals')) return;
  const extension: ExtensionState = {
    ...input,
    decided: { approve: false, by: RULES_ACTOR, reason: refusal.message },
  };
  machine.data.extensions[input.key] = extension;
  extensionEffect(machine, extension, now);
  const unit = machine.unitOnTask(input.unit);
  if (unit) {
    const about: MailTopic = {
      topic: 'extension',
      newDeadline: input.newDeadline,
      approved: false,
      reason: refusal.message,
      byRules: true,
    };
    machine.mail(`extension/${input.key}`, 'other', about, now, { unit, ...threadOf(input) });
  }
  machine.changed = true;
}

/** The office approves or refuses a 延期申请; approved, the deadline moves. */
const decideExtension: OfficeAction<ExtensionDecisionInput> = {
  update: decideExtensionUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的延期决定：${shown(input)}`);
    const problem = firstProblem(
      keyProblem(input.key, '延期申请编号'),
      typeof input.approve === 'boolean' ? undefined : '须写明同意或不同意延期',
      actorProblem(input.by),
      textProblem(input.reason, '理由', { max: MAX_REASON_LENGTH }),
    );
    if (problem) return badInput(problem);
    const extension = own(machine.data.extensions, input.key);
    if (!extension) return notFound(`没有这份延期申请：${input.key}`);
    if (extension.decided) {
      if (extension.decided.approve !== input.approve) return conflict('该延期申请已有不同的决定');
      return undefined;
    }
    if (machine.closed) return refused('任务已结束');
    if (!input.approve && !input.reason?.trim()) return badInput('不同意延期须说明理由');
    if (!input.approve) return undefined;
    // a request kept by an older, laxer validator may name a date that does not exist
    const date = dateProblem(extension.newDeadline, '该申请的完成时限');
    if (date) return refused(`${date}，只能不同意`);
    return tooFar(machine, extension.newDeadline, '该申请的完成时限');
  },
  apply(machine, input, now) {
    const extension = machine.data.extensions[input.key]!;
    if (extension.decided) return DUPLICATE;
    const plan = input.approve ? machine.planDeadline(extension.newDeadline, now) : undefined;
    extension.decided = { approve: input.approve, by: input.by, reason: input.reason };
    const unit = machine.data.lead.find((lead) => lead.name === extension.unit);
    const about: MailTopic = {
      topic: 'extension',
      newDeadline: extension.newDeadline,
      approved: input.approve,
      reason: input.reason,
    };
    if (unit) machine.mail(`extension/${input.key}`, 'other', about, now, { unit, ...threadOf(extension) });
    extensionEffect(machine, extension, now);
    if (plan) {
      const reason = `${extension.unit} 申请延期，${input.by} 同意：${extension.reason}`;
      machine.moveDeadline(extension.newDeadline, reason, now, plan);
    }
    machine.changed = true;
    return ACCEPTED;
  },
};

/** The office moves the deadline directly (never earlier). */
const extendDeadline: OfficeAction<ExtendDeadlineInput> = {
  update: extendDeadlineUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的延期请求：${shown(input)}`);
    const problem = firstProblem(
      dateProblem(input.newDeadline, '新的完成时限'),
      reasonProblem(input.reason, '延期须说明理由'),
      actorProblem(input.approver, '批准人'),
    );
    if (problem) return badInput(problem);
    if (machine.closed) return refused('任务已结束，不能延期');
    if (input.newDeadline < machine.data.deadline)
      return refused(`新的完成时限 ${input.newDeadline} 早于当前时限 ${machine.data.deadline}`);
    return tooFar(machine, input.newDeadline, '新的完成时限');
  },
  apply(machine, input, now) {
    if (input.newDeadline === machine.data.deadline) return DUPLICATE;
    machine.moveDeadline(input.newDeadline, `${input.approver} 决定延期：${input.reason}`, now);
    return ACCEPTED;
  },
};

// ------------------------------------------------------------------ 改派

const unitNames = (units: UnitRef[]) =>
  units
    .map((unit) => unit.name)
    .sort()
    .join('、');

function unitListProblem(value: unknown, label: string, required: boolean): string | undefined {
  if (!Array.isArray(value)) return `${label}应为单位列表，收到 ${shown(value)}`;
  if (required && !value.length) return '至少需要一个牵头单位';
  if (value.length > MAX_UNITS) return `${label}过多：${value.length} 个，最多 ${MAX_UNITS} 个`;
  return firstProblem(...value.map(unitRefProblem));
}

/** 改派: new lead and co units; a new lead unit gets the 交办 and the open requests, the old ones are no longer chased. */
const reassign: OfficeAction<ReassignInput> = {
  update: reassignUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的改派请求：${shown(input)}`);
    const problem = firstProblem(
      unitListProblem(input.lead, '牵头单位', true),
      unitListProblem(input.co, '配合单位', false),
      reasonProblem(input.reason, '调整责任单位须说明理由'),
      actorProblem(input.by),
    );
    if (problem) return badInput(problem);
    const names = [...input.lead, ...input.co].map((unit) => unit.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) return badInput(`单位「${repeated}」重复出现：每个单位只能列一次`);
    if (machine.closed) return refused('任务已结束，不能调整责任单位');
    return undefined;
  },
  apply(machine, input, now) {
    const data = machine.data;
    if (unitNames(input.lead) === unitNames(data.lead) && unitNames(input.co) === unitNames(data.co))
      return DUPLICATE;
    const added = input.lead.filter((unit) => !data.lead.some((old) => old.name === unit.name));
    data.lead = input.lead;
    data.co = input.co;
    machine.emit({
      type: 'assignments',
      lead: input.lead.map((unit) => unit.name),
      co: input.co.map((unit) => unit.name),
      at: now,
    });
    if (data.noticeSent) for (const unit of added) machine.notice(unit, now);
    const open = data.periods.filter((period) => machine.isOpen(period));
    for (const period of open) machine.request(period, added, now);
    updateLight(machine, now, `责任单位调整（${input.by}）：${input.reason}`);
    project(machine, now);
    return ACCEPTED;
  },
};

// ----------------------------------------------------------- 暂停 / 恢复 / 撤销

const suspend: OfficeAction<OfficeActionInput> = {
  update: suspendUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的暂停请求：${shown(input)}`);
    const problem = firstProblem(reasonProblem(input.reason, '暂停须说明理由'), actorProblem(input.by));
    if (problem) return badInput(problem);
    if (machine.closed) return refused('任务已结束，不能暂停');
    return undefined;
  },
  apply(machine, input, now) {
    const data = machine.data;
    if (data.phase === 'suspended') return DUPLICATE;
    data.phase = 'suspended';
    data.suspendedAt = now;
    data.suspendReason = `${input.by}：${input.reason}`;
    machine.changed = true;
    project(machine, now);
    return ACCEPTED;
  },
};

/** Back from a pause: what fell due meanwhile is passed over, not sent as a backlog. */
const resume: OfficeAction<OfficeActionInput> = {
  update: resumeUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的恢复请求：${shown(input)}`);
    const problem = firstProblem(
      textProblem(input.reason, '理由', { max: MAX_REASON_LENGTH }),
      actorProblem(input.by),
    );
    if (problem) return badInput(problem);
    if (machine.closed) return refused('任务已结束，不能恢复');
    return undefined;
  },
  apply(machine, _input, now) {
    const data = machine.data;
    if (data.phase !== 'suspended') return DUPLICATE;
    // the review window, if it ran out during the pause, starts again from the next working day
    const reviewRestarts =
      data.reviewEndsAt !== undefined && data.reviewEndsAt <= now
        ? reviewEndsAt(
            machine.calendar.nextWorkingDay(toIsoDate(now)),
            machine.input.settings,
            machine.calendar,
          )
        : undefined;
    data.phase = 'running';
    data.suspendedAt = undefined;
    data.suspendReason = undefined;
    passOverDueRungs(machine, now);
    if (reviewRestarts !== undefined) data.reviewEndsAt = reviewRestarts;
    machine.changed = true;
    project(machine, now);
    return ACCEPTED;
  },
};

/** 撤销: the task ends with no verdict; the units are told. */
const withdraw: OfficeAction<OfficeActionInput> = {
  update: withdrawUpdate,
  validate(machine, input) {
    if (!isRecord(input)) return badInput(`无法识别的撤销请求：${shown(input)}`);
    const problem = firstProblem(reasonProblem(input.reason, '撤销须说明理由'), actorProblem(input.by));
    if (problem) return badInput(problem);
    if (machine.data.phase === 'withdrawn') return undefined;
    if (machine.data.phase === 'closed') return refused('任务已办结，不能撤销');
    return undefined;
  },
  apply(machine, input, now) {
    const data = machine.data;
    if (data.phase === 'withdrawn') return DUPLICATE;
    data.phase = 'withdrawn';
    data.withdrawn = { reason: input.reason, by: input.by, at: now };
    for (const unit of data.lead)
      machine.mail(`withdrawn/${unit.name}`, 'other', { topic: 'withdrawn', reason: input.reason }, now, {
        unit,
        cc: data.co,
      });
    project(machine, now);
    return ACCEPTED;
  },
};

// ------------------------------------------------------------------ 评定

/** The office confirms the proposed verdict (no verdict given) or overrides it (with a reason); the task closes. */
const officeVerdict: OfficeAction<OfficeVerdictInput> = {
  update: officeVerdictUpdate,
  validate(machine, input, now) {
    const data = machine.data;
    if (!isRecord(input)) return badInput(`无法识别的评定：${shown(input)}`);
    const problem = firstProblem(
      input.verdict === undefined || VERDICTS.includes(input.verdict)
        ? undefined
        : `评定应为 ${VERDICTS.join('、')} 之一，收到 ${shown(input.verdict)}`,
      textProblem(input.reason, '理由', { max: MAX_REASON_LENGTH }),
      actorProblem(input.by),
    );
    if (problem) return badInput(problem);
    if (machine.closed) return refused('任务已结束，评定已作出');
    const final = machine.finalPeriod();
    if (!final.requested) return refused('最终报告尚未请报，还不能评定');
    // Deciding closes the task: before the final report is due, only once every
    // lead unit has filed it, or a unit would lose the chance to report.
    const allFiled = data.lead.every((unit) => machine.isReported('final', unit.name));
    if (now < dueEndsAt(final.dueOn) && !allFiled)
      return refused(`最终报告截止（${final.dueOn}）前，须待各牵头单位都报送最终报告后才能评定`);
    if (input.verdict && !input.reason?.trim()) return badInput('改变评定须说明理由');
    if (data.officeDecision && data.officeDecision.verdict !== input.verdict)
      return conflict('督查室已作出不同的评定，任务即将办结');
    return undefined;
  },
  apply(machine, input, now) {
    if (machine.data.officeDecision) return DUPLICATE;
    machine.data.officeDecision = { ...input, at: now };
    machine.changed = true;
    return ACCEPTED;
  },
};

// ------------------------------------------------------------------ install

/** Every update's rules, by the update's name. */
export const OFFICE_ACTIONS = {
  submitReport,
  returnReport,
  requestExtension,
  decideExtension,
  extendDeadline,
  reassign,
  suspend,
  resume,
  withdraw,
  officeVerdict,
} as const;

/**
 * Runs a validator so that it can only refuse with a kind: an unexpected
 * error (a bug meeting an input nobody foresaw) becomes a BadInput refusal
 * instead of failing the workflow task.
 */
export function refusalOf<Input>(
  action: OfficeAction<Input>,
  machine: TaskMachine,
  input: Input,
  now: number,
): ApplicationFailure | undefined {
  try {
    return action.validate(machine, input, now);
  } catch (err) {
    return badInput('无法识别的输入，未办理', { error: err instanceof Error ? err.message : String(err) });
  }
}

function installUpdate<Input>(action: OfficeAction<Input>, machine: TaskMachine, now: () => number): void {
  setHandler(action.update, (input: Input) => action.apply(machine, input, now()), {
    validator: (input: Input) => {
      const refusal = refusalOf(action, machine, input, now());
      if (refusal) throw refusal;
    },
  });
}

/**
 * Installs the handler of every update in the table, and the signals: a
 * report from the inbox (a refusal is kept with its reason), 签收, and a
 * 延期申请 by signal (an invalid one is not taken: a signal has no one to
 * answer). Signals never throw, whatever arrives. The order is the one the
 * handlers were always installed in: messages that arrive before the
 * workflow runs are handed over in this order.
 */
export function installOfficeActions(machine: TaskMachine, now: () => number): void {
  setHandler(reportSignal, (input) => void takeReport(machine, input, now()));
  installUpdate(submitReport, machine, now);
  setHandler(acknowledgeSignal, (input) => takeAcknowledgement(machine, input, now()));
  installUpdate(returnReport, machine, now);
  installUpdate(requestExtension, machine, now);
  setHandler(requestExtensionSignal, (input) => {
    const refusal = refusalOf(requestExtension, machine, input, now());
    if (!refusal) requestExtension.apply(machine, input, now());
    else refuseSignalledExtension(machine, input, refusal, now());
  });
  installUpdate(decideExtension, machine, now);
  installUpdate(extendDeadline, machine, now);
  installUpdate(reassign, machine, now);
  installUpdate(suspend, machine, now);
  installUpdate(resume, machine, now);
  installUpdate(withdraw, machine, now);
  installUpdate(officeVerdict, machine, now);
}

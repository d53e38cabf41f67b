// A unit's progress report (报送), from any channel: the rules that refuse
// one, and taking it. The same rules answer the web form at once (the
// submitReport update's validator) and judge the inbox's signals, where a
// refusal is kept with its reason (the office sees it; a signal has no one to
// answer). Also the 签收 of the 交办 notice.
import type { ApplicationFailure } from '@temporalio/common';
import { toIsoDate } from './calendar.ts';
import { badInput, refused } from './failures.ts';
import {
  firstProblem,
  isRecord,
  keyProblem,
  MAX_REPORT_TEXT_LENGTH,
  MAX_UNIT_NAME_LENGTH,
  momentProblem,
  shown,
  textProblem,
} from './input-checks.ts';
import { OPEN_PERIOD, REPORT_STATUSES, type ReportInput, type ReportOutcome } from './types.ts';
import { periodUnitKey, type StoredReport } from './task-data.ts';
import { updateLight } from './escalation.ts';
import { project } from './view.ts';
import type { TaskMachine } from './state.ts';

const CHANNELS: readonly ReportInput['channel'][] = ['email', 'web', 'cli', 'simulate'];

/** What is malformed in a report (any field), or undefined. */
function reportShapeProblem(input: Record<string, unknown>): string | undefined {
  const percent = input.percent;
  return firstProblem(
    textProblem(input.period, '报送期次', { max: MAX_UNIT_NAME_LENGTH, missing: '缺少报送期次' }),
    textProblem(input.unit, '报送单位', { max: MAX_UNIT_NAME_LENGTH, missing: '缺少报送单位' }),
    (REPORT_STATUSES as readonly unknown[]).includes(input.status)
      ? undefined
      : `完成情况应为 ${REPORT_STATUSES.join('、')} 之一，收到 ${shown(input.status)}`,
    percent === null || percent === undefined || (typeof percent === 'number' && Number.isInteger(percent))
      ? undefined
      : `进度应为 0–100 的整数或不填，收到 ${shown(percent)}`,
    typeof percent === 'number' && (percent < 0 || percent > 100)
      ? `进度应在 0–100 之间，收到 ${percent}`
      : undefined,
    typeof input.text === 'string'
      ? textProblem(input.text, '报送内容', { max: MAX_REPORT_TEXT_LENGTH })
      : `报送内容应为文字，收到 ${shown(input.text)}`,
    textProblem(input.reason, '原因', { max: MAX_REPORT_TEXT_LENGTH }),
    CHANNELS.includes(input.channel as ReportInput['channel'])
      ? undefined
      : `报送渠道应为 ${CHANNELS.join('、')} 之一，收到 ${shown(input.channel)}`,
    textProblem(input.inboundMessageId, '来信编号', { max: MAX_REPORT_TEXT_LENGTH }),
    momentProblem(input.receivedAt, '收到时间'),
    input.attachments === undefined || Array.isArray(input.attachments) ? undefined : '附件应为列表',
    input.needsReview === undefined || typeof input.needsReview === 'boolean'
      ? undefined
      : '待核标记应为是或否',
  );
}

/**
 * A report for OPEN_PERIOD (a reply to a mail that names no period) as a
 * report for the period open now; any other report as it is. Left as it is
 * when no period is open: the rules then refuse it.
 */
export function withOpenPeriod<T>(machine: TaskMachine, input: T): T {
  if (!isRecord(input) || input.period !== OPEN_PERIOD) return input;
  const open = machine.openPeriod();
  return open ? { ...input, period: open.id } : input;
}

/**
 * Why a report cannot be taken, or undefined. Duplicates pass (they are
 * answered as such). BadInput for a malformed one, Refused when the rules
 * say no (a unit not on the task, a period the task does not have or that
 * is not open, a closed task).
 */
export function reportRefusal(machine: TaskMachine, given: ReportInput): ApplicationFailure | undefined {
  const data = machine.data;
  const input = withOpenPeriod(machine, given);
  if (!isRecord(input)) return badInput(`无法识别的报送：${shown(input)}`);
  const key = keyProblem(input.key, '报送编号');
  if (key) return badInput(key);
  if (Object.hasOwn(data.reports, input.key)) return undefined;
  const shape = reportShapeProblem(input);
  if (shape) return badInput(shape);
  if (data.phase === 'withdrawn') return refused('该任务已撤销，不再接收报送');
  if (data.phase === 'closed') return refused('该任务已办结，不再接收报送');
  if (!machine.unitOnTask(input.unit)) return refused(`单位「${input.unit}」不是本任务的责任单位`);
  if (input.period === OPEN_PERIOD) return refused('目前没有正在报送的期次，请在收到请报通知后报送');
  const period = data.periods.find((candidate) => candidate.id === input.period);
  // Refused, not NotFound: callers read NotFound from a report's update as "the task is gone"
  if (!period || period.skipped) return refused(`本任务没有报送期次「${input.period}」`);
  if (!period.requested) return refused(`报送期次「${period.label}」尚未开始，请在收到请报通知后报送`);
  if (!machine.isOpen(period)) return refused(`报送期次「${period.label}」已截止，请按最新一期报送`);
  return undefined;
}

/**
 * Whether a refused report can still be kept in the read model's Report
 * table (its columns' types): otherwise only the workflow keeps the refusal,
 * since a row the database rejects would hold up every later effect.
 */
function recordable(input: unknown): input is ReportInput {
  if (!isRecord(input) || keyProblem(input.key, '') !== undefined) return false;
  const strings = [input.unit, input.period, input.status, input.text, input.channel];
  const optional = [input.reason, input.inboundMessageId];
  const percent = input.percent;
  return (
    strings.every((value) => typeof value === 'string' && !value.includes('\u0000')) &&
    optional.every((value) => value == null || (typeof value === 'string' && !value.includes('\u0000'))) &&
    (percent == null || (Number.isInteger(percent) && Math.abs(percent as number) <= 2 ** 31 - 1)) &&
    typeof input.receivedAt === 'number' &&
    Math.abs(input.receivedAt) <= 8.64e15 &&
    (input.needsReview === undefined || typeof input.needsReview === 'boolean')
  );
}

/** Takes a report (update handler or signal); never throws. Refusals are kept and recorded. */
export function takeReport(machine: TaskMachine, given: ReportInput, now: number): ReportOutcome {
  const data = machine.data;
  const input = withOpenPeriod(machine, given);
  if (isRecord(input) && typeof input.key === 'string' && Object.hasOwn(data.reports, input.key))
    return { accepted: true, duplicate: true };
  const refusal = reportRefusal(machine, input);
  if (refusal) {
    const reason = refusal.message;
    const key = isRecord(input) && typeof input.key === 'string' ? input.key : '';
    if (!data.refusals.some((kept) => kept.key === key)) {
      data.refusals.push({ key, reason });
      if (recordable(input))
        machine.emit({ type: 'report', report: input, accepted: false, refusalReason: reason });
    }
    return { accepted: false, reason };
  }
  // a report that leaves the percent out states none, like null
  const statedPercent = input.percent ?? null;
  const stored: StoredReport = {
    key: input.key,
    period: input.period,
    unit: input.unit,
    status: input.status,
    percent: statedPercent,
    text: input.text,
    reason: input.reason,
    at: now,
  };
  data.reports[input.key] = stored;
  data.accepted[periodUnitKey(input.period, input.unit)] = input.key;
  const percent = statedPercent !== null ? ` ${statedPercent}%` : '';
  if (statedPercent !== null) data.lastPercent[input.unit] = statedPercent;
  data.lastReport = `${input.unit}（${toIsoDate(now)}）：${input.status}${percent}${input.text ? ` ${input.text}` : ''}`;
  machine.emit({ type: 'report', report: input, accepted: true });
  const label = data.periods.find((period) => period.id === input.period)?.label ?? input.period;
  updateLight(machine, now, `${input.unit} 已报送「${label}」（${input.status}${percent}）`);
  project(machine, now);
  return given.period === OPEN_PERIOD ? { accepted: true, period: input.period } : { accepted: true };
}

/**
 * 签收 of the 交办 notice by a unit on the task; the first one counts, and
 * (since the patch) reaches the read model as an effect.
 */
export function acknowledge(machine: TaskMachine, unit: string, at: number, channel = 'cli'): void {
  if (machine.data.acknowledged[unit] === undefined && machine.unitOnTask(unit)) {
    machine.data.acknowledged[unit] = at;
    machine.changed = true;
    if (machine.patched('acknowledgement-effect')) machine.emit({ type: 'acknowledged', unit, at, channel });
  }
}

/**
 * A reply to the 交办 notice: the unit's 签收, and its report when it
 * states one and a period is open that the unit has not reported yet (a
 * 签收 never replaces a report the unit already made). Never throws.
 */
export function takeAcknowledgement(machine: TaskMachine, input: unknown, now: number): void {
  if (!isRecord(input) || typeof input.unit !== 'string') return;
  const channel = CHANNELS.includes(input.channel as ReportInput['channel']) ? String(input.channel) : 'cli';
  acknowledge(machine, input.unit, now, channel);
  const report = input.report;
  if (!isRecord(report) || report.unit !== input.unit) return;
  const open = machine.openPeriod();
  if (!open || machine.isReported(open.id, input.unit)) return;
  takeReport(machine, { ...(report as unknown as ReportInput), period: open.id }, now);
}

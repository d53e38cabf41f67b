// The task workflow's messages: exported next to the workflow so the inbox,
// the web server and the CLI import the same definitions. Reports come as an
// update (the web form needs an answer) or a signal (the inbox, simulate: the
// time-skipping server does not skip time while an update waits). Office
// actions are updates with validators, so the caller hears a refusal at once.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IsoDate, Light, ReportInput, ReportOutcome, UnitRef, Verdict } from './types.ts';

/** A progress report from the inbox (fire and forget); a refusal is recorded with its reason. */
export const reportSignal = defineSignal<[ReportInput]>('report');
/** The same report, answered: validator refuses unknown period, unit not on the task, closed period, after close. */
export const submitReportUpdate = defineUpdate<ReportOutcome, [ReportInput]>('submitReport');

/** 签收 of the 交办 notice. */
export interface AcknowledgeInput {
  unit: string;
  channel: ReportInput['channel'];
  /** epoch ms when it arrived */
  receivedAt: number;
  /**
   * The reply that acknowledged stated a status: its report, for the period
   * open now (OPEN_PERIOD). Taken only when such a period is open and the
   * unit has not reported it yet; otherwise the 签收 alone counts.
   */
  report?: ReportInput;
}
export const acknowledgeSignal = defineSignal<[AcknowledgeInput]>('acknowledge');

/** 退回: the office sends a report back; the unit's period opens again. */
export interface ReturnReportInput {
  /** the report's key */
  reportKey: string;
  reason: string;
  by: string;
}
export const returnReportUpdate = defineUpdate<ReportOutcome, [ReturnReportInput]>('returnReport');

/** 延期申请: a unit asks for a later deadline before the current one. */
export interface ExtensionRequestInput {
  /** idempotency key */
  key: string;
  unit: string;
  newDeadline: IsoDate;
  reason: string;
  receivedAt: number;
  /** how it came: a unit's mail, the web form, or the office for the unit (default cli) */
  channel?: 'email' | 'web' | 'cli';
  /** the unit's mail (Message-ID): the decision is mailed back in its thread */
  inboundMessageId?: string;
}
export const requestExtensionUpdate = defineUpdate<ReportOutcome, [ExtensionRequestInput]>(
  'requestExtension',
);
export const requestExtensionSignal = defineSignal<[ExtensionRequestInput]>('requestExtension');

export interface ExtensionDecisionInput {
  key: string;
  approve: boolean;
  by: string;
  reason?: string;
}
export const decideExtensionUpdate = defineUpdate<ReportOutcome, [ExtensionDecisionInput]>('decideExtension');

/** The office moves the deadline directly. */
export interface ExtendDeadlineInput {
  newDeadline: IsoDate;
  reason: string;
  approver: string;
}
export const extendDeadlineUpdate = defineUpdate<ReportOutcome, [ExtendDeadlineInput]>('extendDeadline');

/** New lead / co units; units no longer named stop being asked. */
export interface ReassignInput {
  lead: UnitRef[];
  co: UnitRef[];
  reason: string;
  by: string;
}
export const reassignUpdate = defineUpdate<ReportOutcome, [ReassignInput]>('reassign');

export interface OfficeActionInput {
  reason: string;
  by: string;
}
export const suspendUpdate = defineUpdate<ReportOutcome, [OfficeActionInput]>('suspend');
export const resumeUpdate = defineUpdate<ReportOutcome, [OfficeActionInput]>('resume');
export const withdrawUpdate = defineUpdate<ReportOutcome, [OfficeActionInput]>('withdraw');

/** The office confirms the proposal (no verdict) or overrides it (verdict + reason). */
export interface OfficeVerdictInput {
  verdict?: Verdict;
  reason?: string;
  by: string;
}
export const officeVerdictUpdate = defineUpdate<ReportOutcome, [OfficeVerdictInput]>('officeVerdict');

export type TaskPhase = 'running' | 'suspended' | 'review' | 'closed' | 'withdrawn';

export interface UnitView {
  name: string;
  role: 'lead' | 'co';
  light: Light;
  acknowledgedAt?: number;
  lastPercent?: number | null;
}

export interface PeriodView {
  id: string;
  label: string;
  requestAt: number;
  dueOn: IsoDate;
  final: boolean;
  requested: boolean;
  /** unit name → report key (accepted) */
  reported: Record<string, string>;
}

export interface TaskView {
  workflowId: string;
  phase: TaskPhase;
  /** the workflow's clock (simulated clocks included), epoch ms */
  now: number;
  deadline: IsoDate;
  light: Light;
  units: UnitView[];
  periods: PeriodView[];
  nextDue?: IsoDate;
  lastReport?: string;
  proposal?: { verdict: Verdict; reason: string };
  verdict?: TaskVerdict;
  pendingExtensions: ExtensionRequestInput[];
  /** while paused: since when and why */
  suspended?: { at: number; reason: string };
  lightHistory: { at: number; from: Light; to: Light; cause: string }[];
  /** every refusal, with its reason */
  refusals: { key: string; reason: string }[];
}

export interface TaskVerdict {
  proposed: Verdict;
  final: Verdict;
  reason: string;
  /** office: confirmed or overridden inside the window; default: the proposal stood */
  decidedBy: 'office' | 'default';
  overridden: boolean;
  decidedAt: number;
}

export const stateQuery = defineQuery<TaskView>('state');

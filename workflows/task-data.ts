// What one task workflow knows, as plain data: its input, its result, and
// the one object (TaskData) the machine works on. Continue-as-new carries
// TaskData whole and old runs hold it, so its field names never change.
import type {
  CalendarData,
  IsoDate,
  LadderLevel,
  Light,
  Period,
  ReportInput,
  ScheduleSettings,
  UnitRef,
} from './types.ts';
import type { Effect } from './effects.ts';
import type { ExtensionRequestInput, OfficeVerdictInput, TaskPhase, TaskVerdict } from './messages.ts';

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

export interface PeriodState extends Period {
  requested: boolean;
  /** passed over (started late, suspended): never requested */
  skipped: boolean;
}

/** An accepted report as the workflow keeps it. */
export interface StoredReport {
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

export interface ExtensionState extends ExtensionRequestInput {
  decided?: { approve: boolean; by: string; reason?: string };
}

export interface LightChange {
  at: number;
  from: Light;
  to: Light;
  cause: string;
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
  lightHistory: LightChange[];
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

/** The key of one unit's part in one period (accepted, dueOverride, round). */
export const periodUnitKey = (period: string, unit: string): string => `${period}|${unit}`;

/** The key of one rung of one unit's ladder in one period, in one round (a 退回 starts a new round). */
export const rungKey = (period: string, unit: string, level: LadderLevel, round: number): string =>
  `${period}|${unit}|${level}|${round}`;

/** A new task's data: nothing sent, every period still to come. */
export function initialTaskData(input: TaskWorkflowInput, periods: Period[], now: number): TaskData {
  return {
    startedAt: now,
    deadline: input.deadline,
    lead: input.lead,
    co: input.co,
    phase: 'running',
    noticeSent: false,
    periods: periods.map((period) => ({ ...period, requested: false, skipped: false })),
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

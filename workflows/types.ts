// Types shared by the task workflow, its pure policy functions (schedule,
// calendar, escalation ladder, lights, verdict) and the activities. Workflow
// code: no Node built-ins, no I/O, nothing that is not deterministic.

/** What a unit may report; the parser normalises to these six words. */
export const REPORT_STATUSES = ['完成', '推进中', '滞后', '受阻', '部分完成', '未完成'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const VERDICTS = ['完成', '部分完成', '未完成'] as const;
export type Verdict = (typeof VERDICTS)[number];

export type Light = 'green' | 'yellow' | 'red';

/** ISO calendar date, YYYY-MM-DD, in China Standard Time (UTC+8, no DST). */
export type IsoDate = string;

/**
 * The working-day calendar a workflow runs by. Passed in the workflow input
 * (built outside the workflow from chinese-days plus data/calendar/*.json), so
 * the workflow never reads a file and an old history replays with the
 * calendar it was started with.
 */
export interface CalendarData {
  /** public holidays that fall on weekdays or weekends (法定节假日及调休放假) */
  holidays: IsoDate[];
  /** weekend days that are working days (调休上班) */
  workdays: IsoDate[];
}

export type Cadence =
  | { kind: 'monthly' }
  | { kind: 'quarterly' }
  | { kind: 'half-yearly' }
  /** one request on each of these dates (requestDay/dueDay unused) */
  | { kind: 'custom'; requests: { requestOn: IsoDate; dueOn: IsoDate }[] };

/** Per task set, every field overridable (TaskSet.settings). */
export interface ScheduleSettings {
  cadence: Cadence;
  /** day of the month a periodic request goes out (moved to the next working day) */
  requestDay: number;
  /** day of the month the report is due (moved to the next working day) */
  dueDay: number;
  /** 催办 this many working days after the due date */
  reminderAfterWorkingDays: number;
  /** second 催办 and yellow light after this many */
  yellowAfterWorkingDays: number;
  /** 督办 to the unit's leader and the office, red light, after this many */
  escalateAfterWorkingDays: number;
  /** yellow when reported percent lags the elapsed share of the year by more than this (points) */
  lagMarginPercent: number;
  /** mail goes out only inside these local hours (HH:MM, China time) */
  quietHours: { sendFrom: string; sendUntil: string };
  /** the final report is requested this many working days before the deadline */
  finalRequestWorkingDaysBefore: number;
  /** the office has this many working days after the deadline to confirm or override */
  reviewWorkingDays: number;
}

export const DEFAULT_SETTINGS: ScheduleSettings = {
  cadence: { kind: 'monthly' },
  requestDay: 15,
  dueDay: 25,
  reminderAfterWorkingDays: 1,
  yellowAfterWorkingDays: 3,
  escalateAfterWorkingDays: 5,
  lagMarginPercent: 20,
  quietHours: { sendFrom: '09:00', sendUntil: '17:30' },
  finalRequestWorkingDaysBefore: 10,
  reviewWorkingDays: 10,
};

/** One reporting period of a task. */
export interface Period {
  /** "2022-03" for a monthly period, "2022-Q2", "2022-H1", "custom-1", or "final" */
  id: string;
  /** Chinese label for mails and pages, e.g. "2022年3月", "最终报告" */
  label: string;
  /** when the request mail goes out (epoch ms, inside quiet hours, on a working day) */
  requestAt: number;
  /** the due date (a working day); a report on or before this date is on time */
  dueOn: IsoDate;
  final: boolean;
}

export type LadderLevel = 'reminder1' | 'reminder2' | 'escalation';

/** One rung of the 催办 → 督办 ladder for one unit and one period. */
export interface LadderStep {
  level: LadderLevel;
  /** epoch ms, inside quiet hours, on a working day */
  at: number;
  /** the light this rung sets, if any */
  light?: Light;
}

/** A unit on a task as the workflow knows it (from the directory at start). */
export interface UnitRef {
  name: string;
  /** addresses allowed to report for the unit; each receives mail unless requestEmails names some */
  emails: string[];
  /** the addresses mail goes to, when the directory marks some (收件邮箱); else every one of emails */
  requestEmails?: string[];
  /** leaders' addresses, for 督办 */
  leaderEmails: string[];
}

/**
 * The period of a report that answers a mail naming none (the 延期 decision,
 * the 交办 notice): the workflow takes it for the period open now, and
 * refuses it when none is open.
 */
export const OPEN_PERIOD = 'open';

/**
 * The period a reply token of the 交办 notice names: a reply to the notice
 * is the unit's 签收, and its report (if it states a status) goes to the
 * period open now that the unit has not reported yet.
 */
export const NOTICE_PERIOD = 'notice';

/** A progress report as it reaches the workflow, from any channel. */
export interface ReportInput {
  /** idempotency key: the same key twice is one report */
  key: string;
  /** a period id, or OPEN_PERIOD: the one open now */
  period: string;
  unit: string;
  status: ReportStatus;
  percent: number | null;
  text: string;
  /** for 部分完成 / 未完成 / 滞后 / 受阻: why */
  reason?: string;
  attachments?: { filename: string; contentType: string; size: number }[];
  channel: 'email' | 'web' | 'cli' | 'simulate';
  inboundMessageId?: string;
  /** epoch ms when it arrived */
  receivedAt: number;
  /** flagged for the office's review (e.g. a reply with no status word) */
  needsReview?: boolean;
}

/** What the workflow answers to a report or an office action. */
export interface ReportOutcome {
  accepted: boolean;
  /** true when the same key (or the same action) was seen before: nothing changed */
  duplicate?: boolean;
  /** why it was refused, in Chinese */
  reason?: string;
  /** a report taken: the period it was taken for (an OPEN_PERIOD report's, resolved) */
  period?: string;
}

// What the task workflow asks the outside world to do: one batch per wake-up.
// The projection (every effect but mail) is written by the `applyEffects`
// activity in one transaction; each mail is sent by its own `sendMail`
// activity (older histories: mails inside the applyEffects batch). Every
// effect carries or implies a unique key, so a retried activity sends
// nothing twice and writes once.
import type { IsoDate, LadderLevel, Light, ReportInput, UnitRef, Verdict } from './types.ts';

/**
 * What kind of mail, as the sent-mail table and the office's lists show it.
 * The workflow orders 退回, 延期 and 撤销 mails as 'other'; the activity
 * names their kind from the topic (activities/mail/compose.ts).
 */
export type MailKind =
  | 'notice'
  | 'request'
  | 'reminder'
  | 'escalation'
  | 'verdict'
  | 'returned'
  | 'extension'
  | 'extension-filed'
  | 'withdrawn'
  | 'other';

/** The task as mails and projections need it; sent once per batch. */
export interface TaskBrief {
  taskSetId: string;
  seq: string;
  category: string;
  text: string;
  deadline: IsoDate;
}

/** What a mail is about; activities/mail/compose.ts turns it into subject and text. */
export type MailTopic =
  | { topic: 'notice'; role: 'lead' | 'co'; coUnits: string[] }
  | { topic: 'request'; period: string; periodLabel: string; dueOn: IsoDate; final: boolean }
  | { topic: 'ladder'; level: LadderLevel; period: string; periodLabel: string; dueOn: IsoDate }
  | { topic: 'returned'; period: string; periodLabel: string; reason: string; dueOn: IsoDate }
  | {
      topic: 'extension';
      newDeadline: IsoDate;
      approved: boolean;
      reason?: string;
      /** refused by the workflow's rules (too late, not a later date…) rather than by the office */
      byRules?: boolean;
    }
  | { topic: 'extension-filed'; unit: string; newDeadline: IsoDate; reason: string; key?: string }
  | { topic: 'withdrawn'; reason: string }
  | { topic: 'verdict'; verdict: Verdict; reason: string };

export interface MailOrder {
  /** step, unique within the workflow: the send key is `<workflowId>/<step>` */
  step: string;
  kind: MailKind;
  /** the unit the mail is for; undefined → the office */
  unit?: UnitRef;
  /** send to the office as well (督办, 延期申请) */
  toOffice?: boolean;
  /** co-units copied */
  cc?: UnitRef[];
  /** the unit's mail (Message-ID) this one answers: sent in its thread */
  inReplyTo?: string;
  about: MailTopic;
  /** workflow clock when it was ordered, epoch ms */
  at: number;
}

export type TaskStateWord = '进行中' | '已暂停' | '已撤销' | '待评定' | '已办结';

export type Effect =
  | { type: 'mail'; mail: MailOrder }
  | { type: 'request'; period: string; requestedAt: number; dueOn: IsoDate; units: string[] }
  | { type: 'report'; report: ReportInput; accepted: boolean; refusalReason?: string }
  | { type: 'reopen'; period: string; unit: string; reportKey: string; reason: string; dueOn: IsoDate }
  | { type: 'extended'; deadline: IsoDate; reason: string }
  /** a unit's due date for a period moved by the working days its 请报 was held up (the mail server was down) */
  | { type: 'due-moved'; period: string; unit: string; dueOn: IsoDate; reason: string }
  | { type: 'escalation'; key: string; unit: string; period: string; level: LadderLevel; at: number }
  | { type: 'light'; key: string; from: Light; to: Light; at: number; cause: string }
  | { type: 'assignments'; lead: string[]; co: string[]; at: number }
  /** 签收 of the 交办 notice (the first one of the unit) */
  | { type: 'acknowledged'; unit: string; at: number; channel: string }
  /** a 延期申请 filed, or decided (by the office, or refused by the rules): one row per key */
  | {
      type: 'extension';
      key: string;
      unit: string;
      newDeadline: IsoDate;
      reason: string;
      channel: string;
      inboundMessageId?: string;
      requestedAt: number;
      status: 'pending' | 'approved' | 'refused';
      decidedBy?: string;
      decidedAt?: number;
      decisionReason?: string;
    }
  | { type: 'task'; state: TaskStateWord; light: Light; nextDue: IsoDate | null; lastReport: string | null }
  | {
      type: 'verdict';
      proposed: Verdict;
      final: Verdict;
      reason: string;
      decidedBy: 'office' | 'default';
      overridden: boolean;
      at: number;
    };

export interface EffectBatch {
  workflowId: string;
  task: TaskBrief;
  effects: Effect[];
}

/** What the task workflow hands `sendMail`: one mail. */
export interface SendMailInput {
  workflowId: string;
  task: TaskBrief;
  mail: MailOrder;
}

/** How one `sendMail` went, as the workflow hears it. */
export interface MailOutcome {
  step: string;
  /**
   * sent: the server took it now; sent-before: an earlier attempt had;
   * failed: refused for good or an address that cannot be sent to (recorded, not retried);
   * uncertain: an earlier attempt may have been taken (not sent again, shown to the office);
   * no-address: the unit has no address to send to
   */
  status: 'sent' | 'sent-before' | 'failed' | 'uncertain' | 'no-address';
  /** when the activity finished, epoch ms (the real clock) */
  at: number;
  failure?: string;
}

// The one place the task workflow's mails are composed: what a mail is about
// (MailOrder, from the workflow) → an OutgoingMail with recipients. Every
// mail that invites an answer — 交办, 请报送, 催办, 督办, 退回 and the 延期
// decision — carries a signed reply token (tokens.ts): the plus-address in
// Reply-To, the [督办-…] reference in the subject, the web form's link; the
// 延期 decision also goes in the thread of the unit's own mail. A mail goes
// to every address the unit receives mail at (UnitRef.requestEmails, else
// all its registered addresses).
import { chineseDate } from '../../workflows/calendar.ts';
import type { MailKind, MailOrder, MailTopic, TaskBrief } from '../../workflows/effects.ts';
import { NOTICE_PERIOD, OPEN_PERIOD, type UnitRef } from '../../workflows/types.ts';
import { threadHeaders, type OutgoingMail } from '../../lib/mail/send.ts';
import { renderMail, type MailContext, type RenderedMail } from './templates.ts';
import { replyFields, signReplyToken } from '../../lib/mail/tokens.ts';
import type { Config } from '../../lib/config.ts';

const DAY_MS = 86_400_000;

export interface ComposeContext {
  workflowId: string;
  task: TaskBrief;
  /** the task set's name and year, for the templates' subjects */
  taskSet: { name: string; year: number };
  config: Pick<Config, 'mail' | 'web' | 'tokens'>;
  /** the real clock (tests pass their own) */
  now?: () => number;
}

/** The mail's kind as the office's lists show it: the workflow orders 退回, 延期, 撤销 as 'other'. */
const KIND_OF_TOPIC: Partial<Record<MailTopic['topic'], MailKind>> = {
  returned: 'returned',
  extension: 'extension',
  'extension-filed': 'extension-filed',
  withdrawn: 'withdrawn',
};

/** The office as the templates sign: the display name of MAIL_FROM and OFFICE_EMAIL. */
function office(config: ComposeContext['config']) {
  const name = /^\s*"?([^"<]+?)"?\s*</.exec(config.mail.from)?.[1] ?? '区政府督查室';
  return { name, email: config.mail.officeEmail };
}

/** Where a unit's mail goes: the addresses marked for it, else every registered one. */
export function unitAddresses(unit: UnitRef | undefined): string[] {
  if (!unit) return [];
  const marked = unit.requestEmails?.filter(Boolean) ?? [];
  return [...new Set(marked.length ? marked : unit.emails)];
}

/** The units' guide, as the web serves it from docs/units-guide.md. */
export function unitsGuideLink(config: Pick<Config, 'web'>): string {
  return `${config.web.publicUrl.replace(/\/+$/, '')}/help/units`;
}

type Composed = OutgoingMail & { replyToken?: string };

/** The mail for an order, or null when there is no one to send it to (a group without a mailbox). */
export function composeMail(order: MailOrder, ctx: ComposeContext): Composed | null {
  const { task, config } = ctx;
  const unit = order.unit;
  const unitTo = unitAddresses(unit);
  const officeEmail = config.mail.officeEmail;
  const cc = [...new Set((order.cc ?? []).flatMap(unitAddresses))].filter((a) => !unitTo.includes(a));
  const a = order.about;
  const base = {
    key: `${ctx.workflowId}/${order.step}`,
    kind: order.kind === 'other' ? (KIND_OF_TOPIC[a.topic] ?? 'other') : order.kind,
    workflowId: ctx.workflowId,
    ...(unit ? { unitName: unit.name } : {}),
  };

  /**
   * The reply fields of a mail that invites an answer: a token for this unit
   * and the period a reply is for. Expiry counts from when the mail really
   * goes out (this activity runs on the real clock), not from the workflow's
   * clock: a simulated or sample year runs on a clock set back to its own
   * year, and its tokens would otherwise be expired before the unit saw them.
   */
  const answerable = (period: string) => {
    const token = signReplyToken(
      {
        workflowId: ctx.workflowId,
        unit: unit!.name,
        period,
        expiresAt: (ctx.now ?? Date.now)() + config.tokens.ttlDays * DAY_MS,
      },
      config.tokens.secret,
    );
    const reply = replyFields(token, config);
    return {
      context: { reference: reply.reference, replyAddress: reply.replyTo, replyLink: reply.link },
      mail: { replyTo: reply.replyTo, replyToken: token },
    };
  };
  const rendered = (r: RenderedMail) => ({ subject: r.subject, text: r.text, html: r.html });

  switch (a.topic) {
    case 'notice': {
      if (!unitTo.length) return null;
      const reply = answerable(NOTICE_PERIOD);
      const r = renderMail('notice', {
        ...common(ctx, unit!.name),
        role: a.role,
        task: { ...common(ctx, '').task, coUnits: a.coUnits },
        ...reply.context,
        helpLink: unitsGuideLink(config),
      });
      return { ...base, to: unitTo, cc, ...reply.mail, ...rendered(r) };
    }
    case 'request': {
      if (!unitTo.length) return null;
      const reply = answerable(a.period);
      const r = renderMail('request', {
        ...common(ctx, unit!.name),
        period: { id: a.period, label: a.periodLabel, dueOn: a.dueOn, final: a.final },
        ...reply.context,
      });
      return { ...base, to: unitTo, ...reply.mail, ...rendered(r) };
    }
    case 'ladder': {
      if (!unit) return null;
      const escalate = a.level === 'escalation';
      const to = escalate ? (unit.leaderEmails.length ? unit.leaderEmails : unitTo) : unitTo;
      if (!to.length) return null;
      const reply = answerable(a.period);
      const r = renderMail(escalate ? 'escalation' : 'reminder', {
        ...common(ctx, unit.name),
        period: { id: a.period, label: a.periodLabel, dueOn: a.dueOn, final: a.period === 'final' },
        level: a.level,
        ...reply.context,
      });
      // in the request's thread, with a token of its own
      const thread = threadHeaders(
        `${ctx.workflowId}/request/${a.period}/${unit.name}`,
        config.mail.replyDomain,
      );
      return {
        ...base,
        to,
        cc: escalate ? [officeEmail, ...unitTo.filter((e) => !to.includes(e))] : [],
        ...thread,
        ...reply.mail,
        ...rendered(r),
      };
    }
    case 'returned': {
      if (!unitTo.length) return null;
      const reply = answerable(a.period);
      const r = renderMail('returned', {
        ...common(ctx, unit!.name),
        period: { id: a.period, label: a.periodLabel, dueOn: a.dueOn, final: a.period === 'final' },
        returnedReason: a.reason,
        ...reply.context,
      });
      return { ...base, to: unitTo, ...reply.mail, ...rendered(r) };
    }
    case 'extension': {
      if (!unitTo.length) return null;
      // a reply to the decision is a report for the period open then
      const reply = answerable(OPEN_PERIOD);
      const r = renderMail('extension', {
        ...common(ctx, unit!.name),
        extension: {
          newDeadline: a.newDeadline,
          approved: a.approved,
          reason: a.reason,
          byRules: a.byRules,
        },
        ...reply.context,
      });
      const thread = order.inReplyTo ? { inReplyTo: order.inReplyTo, references: [order.inReplyTo] } : {};
      return { ...base, to: unitTo, ...thread, ...reply.mail, ...rendered(r) };
    }
    case 'extension-filed': {
      const head = `任务 ${task.seq}：${task.text}`;
      const decide = a.key
        ? `\n\n申请编号：${a.key}\n审批：duban task extension ${ctx.workflowId} --key '${a.key}' --approve|--refuse --reason <理由> --by <经办人>`
        : '\n\n请在督办系统中审批。';
      return {
        ...base,
        to: [officeEmail],
        subject: `【延期申请】第${task.seq}项 ${a.unit} 申请延至 ${chineseDate(a.newDeadline)}`,
        text: `${a.unit} 申请将任务完成时限（现为 ${chineseDate(task.deadline)}）延至 ${chineseDate(a.newDeadline)}。\n理由：${a.reason}\n\n${head}${decide}\n`,
      };
    }
    case 'withdrawn':
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        cc,
        subject: `【撤销】第${task.seq}项 ${short(task.text)}`,
        text: `${unit!.name}：\n\n以下任务已撤销，不再需要报送。理由：${a.reason}\n\n任务 ${task.seq}：${task.text}\n\n区政府督查室\n（本邮件由督办系统发送）`,
      };
    case 'verdict': {
      if (!unitTo.length) return null;
      const r = renderMail('verdict', {
        ...common(ctx, unit!.name),
        verdict: { final: a.verdict, reason: a.reason },
      });
      return { ...base, to: unitTo, cc, ...rendered(r) };
    }
  }
}

function common(ctx: ComposeContext, unit: string): MailContext {
  const t = ctx.task;
  return {
    taskSet: ctx.taskSet,
    task: { seq: t.seq, text: t.text, category: t.category, deadline: t.deadline },
    unit,
    office: office(ctx.config),
  };
}

function short(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

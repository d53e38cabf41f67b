// The one place the task workflow's mails are composed: what a mail is about
// (MailOrder, from the workflow) → an OutgoingMail with recipients. 交办,
// 请报送, 催办, 督办 and 办结 use the mail module's templates (text + HTML);
// the office's rarer notices (退回, 延期, 撤销) are plain text here.
import { chineseDate } from '../../workflows/calendar.ts';
import type { MailOrder, TaskBrief } from '../../workflows/effects.ts';
import { threadHeaders, type OutgoingMail } from '../../lib/mail/send.ts';
import { renderMail, type MailContext } from './templates.ts';
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

/** The office as the templates sign: the display name of MAIL_FROM and OFFICE_EMAIL. */
function office(config: ComposeContext['config']) {
  const name = /^\s*"?([^"<]+?)"?\s*</.exec(config.mail.from)?.[1] ?? '区政府督查室';
  return { name, email: config.mail.officeEmail };
}

/** The mail for an order, or null when there is no one to send it to (a group without a mailbox). */
export function composeMail(
  order: MailOrder,
  ctx: ComposeContext,
): (OutgoingMail & { replyToken?: string }) | null {
  const { task, config } = ctx;
  const unit = order.unit;
  const unitTo = unit?.emails.slice(0, 1) ?? [];
  const officeEmail = config.mail.officeEmail;
  const cc = (order.cc ?? []).flatMap((u) => u.emails.slice(0, 1));
  const head = `任务 ${task.seq}：${task.text}`;
  const sign = '\n\n区政府督查室\n（本邮件由督办系统发送）';
  const base = { key: `${ctx.workflowId}/${order.step}`, kind: order.kind, workflowId: ctx.workflowId };
  const a = order.about;
  switch (a.topic) {
    case 'notice': {
      if (!unitTo.length) return null;
      const r = renderMail('notice', {
        ...common(ctx, unit!.name),
        role: a.role,
        task: { ...common(ctx, '').task, coUnits: a.coUnits },
      });
      return { ...base, to: unitTo, cc, ...r };
    }
    case 'request': {
      if (!unitTo.length) return null;
      // Expiry counts from when the mail really goes out (this activity runs on
      // the real clock), not from the workflow's clock: a simulated or sample
      // year runs on a clock set back to its own year, and its tokens would
      // otherwise be expired before the unit ever sees them.
      const token = signReplyToken(
        {
          workflowId: ctx.workflowId,
          unit: unit!.name,
          period: a.period,
          expiresAt: (ctx.now ?? Date.now)() + config.tokens.ttlDays * DAY_MS,
        },
        config.tokens.secret,
      );
      const reply = replyFields(token, config);
      const r = renderMail('request', {
        ...common(ctx, unit!.name),
        period: { id: a.period, label: a.periodLabel, dueOn: a.dueOn, final: a.final },
        reference: reply.reference,
        replyAddress: reply.replyTo,
        replyLink: reply.link,
      });
      return { ...base, to: unitTo, replyTo: reply.replyTo, replyToken: token, ...r };
    }
    case 'ladder': {
      if (!unit) return null;
      const escalate = a.level === 'escalation';
      const to = escalate ? (unit.leaderEmails.length ? unit.leaderEmails : unitTo) : unitTo;
      if (!to.length) return null;
      const r = renderMail(escalate ? 'escalation' : 'reminder', {
        ...common(ctx, unit.name),
        period: { id: a.period, label: a.periodLabel, dueOn: a.dueOn, final: a.period === 'final' },
        level: a.level,
      });
      // in the request's thread: a reply to the 催办 carries the request's token
      const thread = threadHeaders(
        `${ctx.workflowId}/request/${a.period}/${unit.name}`,
        config.mail.replyDomain,
      );
      return {
        ...base,
        to,
        cc: escalate ? [officeEmail, ...unitTo.filter((e) => !to.includes(e))] : [],
        ...thread,
        ...r,
      };
    }
    case 'returned':
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        subject: `【退回】${task.seq} ${a.periodLabel} 报告退回`,
        text: `${unit!.name}：\n\n你单位报送的「${a.periodLabel}」报告已退回，理由：${a.reason}\n请于 ${chineseDate(a.dueOn)} 前重新报送。\n\n${head}${sign}`,
      };
    case 'extension':
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        subject: `【延期${a.approved ? '同意' : '不同意'}】${task.seq}`,
        text:
          `${unit!.name}：\n\n你单位关于将完成时限延至 ${chineseDate(a.newDeadline)} 的申请，督查室${a.approved ? '同意' : '不同意'}。` +
          (a.reason ? `\n说明：${a.reason}` : '') +
          `\n\n${head}${sign}`,
      };
    case 'extension-filed':
      return {
        ...base,
        to: [officeEmail],
        subject: `【延期申请】${task.seq} ${a.unit}`,
        text: `${a.unit} 申请将任务完成时限延至 ${chineseDate(a.newDeadline)}。\n理由：${a.reason}\n\n${head}\n\n请在督办系统中审批。`,
      };
    case 'withdrawn':
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        cc,
        subject: `【撤销】${task.seq} ${short(task.text)}`,
        text: `${unit!.name}：\n\n以下任务已撤销，不再需要报送。理由：${a.reason}\n\n${head}${sign}`,
      };
    case 'verdict': {
      if (!unitTo.length) return null;
      const r = renderMail('verdict', {
        ...common(ctx, unit!.name),
        verdict: { final: a.verdict, reason: a.reason },
      });
      return { ...base, to: unitTo, cc, ...r };
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

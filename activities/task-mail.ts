// The one place the task workflow's mails are worded (plain Chinese text).
// The mail module's templates can replace this function without touching the
// workflow: it receives what the mail is about and returns an OutgoingMail.
import { chineseDate } from '../workflows/calendar.ts';
import { LADDER_LABELS } from '../workflows/ladder.ts';
import type { MailOrder, TaskBrief } from '../workflows/effects.ts';
import type { OutgoingMail } from './mail/outbox.ts';
import { replyFields, signReplyToken } from './mail/tokens.ts';
import type { Config } from '../worker/config.ts';

const DAY_MS = 86_400_000;

export interface ComposeContext {
  workflowId: string;
  task: TaskBrief;
  config: Pick<Config, 'mail' | 'web' | 'tokens'>;
}

/** The mail for an order, or null when there is no one to send it to (a group without a mailbox). */
export function composeMail(order: MailOrder, ctx: ComposeContext): (OutgoingMail & { replyToken?: string }) | null {
  const { task, config } = ctx;
  const unit = order.unit;
  const unitTo = unit?.emails.slice(0, 1) ?? [];
  const office = config.mail.officeEmail;
  const cc = (order.cc ?? []).flatMap((u) => u.emails.slice(0, 1));
  const head = `任务 ${task.seq}：${task.text}`;
  const sign = '\n\n区政府督查室\n（本邮件由督办系统发送）';
  const base = { key: `${ctx.workflowId}/${order.step}`, kind: order.kind, workflowId: ctx.workflowId };
  const a = order.about;
  switch (a.topic) {
    case 'notice': {
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        cc,
        subject: `【交办】${task.seq} ${short(task.text)}`,
        text:
          `${unit!.name}：\n\n现将以下工作任务交由你单位牵头办理，请于收到后签收，并按要求按期报送进展。\n\n${head}\n` +
          `类别：${task.category}\n完成时限：${chineseDate(task.deadline)}\n` +
          (a.coUnits.length ? `配合单位：${a.coUnits.join('、')}\n` : '') +
          sign,
      };
    }
    case 'request': {
      if (!unitTo.length) return null;
      const token = signReplyToken(
        { workflowId: ctx.workflowId, unit: unit!.name, period: a.period, expiresAt: order.at + config.tokens.ttlDays * DAY_MS },
        config.tokens.secret,
      );
      const reply = replyFields(token, config);
      return {
        ...base,
        to: unitTo,
        subject: `【请报】${task.seq} ${a.periodLabel}${a.final ? '' : '进展'} ${reply.reference}`,
        replyTo: reply.replyTo,
        replyToken: token,
        text:
          `${unit!.name}：\n\n请于 ${chineseDate(a.dueOn)} 前报送以下任务的${a.final ? '最终完成情况' : `${a.periodLabel}进展`}。\n\n${head}\n\n` +
          `直接回复本邮件即可，请写明：\n状态：完成 / 推进中 / 滞后 / 受阻 / 部分完成 / 未完成\n进度：百分比，例如 60%\n情况说明：……\n\n` +
          `也可在网页填报：${reply.link}` +
          sign,
      };
    }
    case 'ladder': {
      if (!unit) return null;
      const escalate = a.level === 'escalation';
      const to = escalate ? (unit.leaderEmails.length ? unit.leaderEmails : unitTo) : unitTo;
      if (!to.length) return null;
      return {
        ...base,
        to,
        cc: escalate ? [office, ...unitTo.filter((e) => !to.includes(e))] : [],
        subject: `【${LADDER_LABELS[a.level]}】${task.seq} ${a.periodLabel} 未按期报送`,
        text:
          `${escalate ? `${unit.name}分管领导` : unit.name}：\n\n${unit.name}应于 ${chineseDate(a.dueOn)} 前报送的「${a.periodLabel}」` +
          `${a.period === 'final' ? '' : '进展'}至今未收到。\n\n${head}\n\n` +
          (escalate ? '现予督办，请督促该单位立即报送，督查室将据此评定。' : '请尽快回复此前的请报邮件报送。') +
          sign,
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
        to: [office],
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
    case 'verdict':
      if (!unitTo.length) return null;
      return {
        ...base,
        to: unitTo,
        cc,
        subject: `【评定】${task.seq} ${a.verdict}`,
        text: `${unit!.name}：\n\n任务评定结果：${a.verdict}\n${a.reason}\n\n${head}${sign}`,
      };
  }
}

function short(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

// The mails Duban sends, in Chinese, as plain text and HTML: 交办 notice,
// progress request, 催办, 督办 (to the unit's leader and the office) and the
// verdict notice. Every value from outside (task text, unit names, reasons)
// is escaped in HTML and folded to one line in subjects, so a task text with
// CR/LF cannot add a header.
//
// The reply instructions quote the labels inside “…”: the parser reads a
// label only at the start of a line or after punctuation, so the instructions
// quoted back in a reply are never taken for the unit's own answer.
import type { IsoDate, LadderLevel, ReportStatus, Verdict } from '../../workflows/types.ts';
import { escapeHtml } from '../../lib/html.ts';
import { oneLine } from '../../lib/text.ts';

export type TemplateKind =
  'notice' | 'request' | 'reminder' | 'escalation' | 'verdict' | 'returned' | 'extension';

export interface MailContext {
  taskSet: { name: string; year: number };
  task: {
    seq: string;
    text: string;
    category: string;
    group?: string | null;
    /** the task's deadline (完成时限), YYYY-MM-DD */
    deadline: IsoDate;
    leadUnits?: string[];
    coUnits?: string[];
  };
  /** the addressed unit (for 督办: the unit that is late) */
  unit: string;
  role?: 'lead' | 'co';
  /** request, reminder, escalation: the period asked for */
  period?: { id: string; label: string; dueOn: IsoDate; final?: boolean };
  /** reminder, escalation: which rung of the ladder */
  level?: LadderLevel;
  /** reminder, escalation: working days past due */
  workingDaysLate?: number;
  /** verdict notice */
  verdict?: { final: Verdict; proposed?: Verdict; reason?: string; decidedBy?: 'office' | 'default' };
  /** the unit's last report, if any, shown in 督办 */
  lastReport?: { status: ReportStatus; percent: number | null; at: IsoDate } | null;
  /** `[督办-<ref>]` (tokens.ts subjectReference) */
  reference?: string;
  /** the Reply-To address (tokens.ts replyAddress), shown in the text */
  replyAddress?: string;
  /** the web reply form (tokens.ts replyLink) */
  replyLink?: string;
  /** the office's name and address, for the signature */
  office?: { name: string; email: string };
  /** the units' guide (<PUBLIC_URL>/help/units), linked from the 交办 notice */
  helpLink?: string;
  /** 退回: why the report was sent back */
  returnedReason?: string;
  /** the decision on the unit's 延期申请 */
  extension?: { newDeadline: IsoDate; approved: boolean; reason?: string; byRules?: boolean };
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

function short(text: string, max = 28): string {
  const t = oneLine(text);
  return t.length > max ? t.slice(0, max) + '…' : t;
}

/** 2022-06-27 → 2022年6月27日 */
export function dateLabel(iso: IsoDate): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : iso;
}

const LEVEL_LABEL: Record<LadderLevel, string> = {
  reminder1: '催办',
  reminder2: '再次催办',
  escalation: '督办',
};

interface Block {
  /** a paragraph, or a labelled table row */
  kind: 'p' | 'row' | 'pre';
  label?: string;
  text: string;
  link?: string;
}

const CHINESE_DIGITS = '〇一二三四五六七八九';

/**
 * The set's title in subjects and text: "<year>年<name>", unless the name
 * holds the year already (沙坪坝区2022年政府工作报告…), in digits or in
 * Chinese numerals (二〇二二年).
 */
export function setTitle(taskSet: MailContext['taskSet']): string {
  const name = oneLine(taskSet.name);
  const year = String(taskSet.year);
  const chinese = [...year].map((digit) => CHINESE_DIGITS[Number(digit)]).join('');
  return name.includes(year) || name.includes(chinese) ? name : `${year}年${name}`;
}

function taskRows(ctx: MailContext): Block[] {
  const rows: Block[] = [
    {
      kind: 'row',
      label: '任务序号',
      text: `第${ctx.task.seq}项（${ctx.task.category}${ctx.task.group ? ` · ${ctx.task.group}` : ''}）`,
    },
    { kind: 'row', label: '工作任务', text: ctx.task.text },
  ];
  if (ctx.task.leadUnits?.length)
    rows.push({ kind: 'row', label: '牵头单位', text: ctx.task.leadUnits.join('、') });
  if (ctx.task.coUnits?.length)
    rows.push({ kind: 'row', label: '配合单位', text: ctx.task.coUnits.join('、') });
  rows.push({ kind: 'row', label: '完成时限', text: dateLabel(ctx.task.deadline) });
  if (ctx.period) {
    rows.push({ kind: 'row', label: '报送周期', text: ctx.period.label });
    rows.push({ kind: 'row', label: '报送截止', text: `${dateLabel(ctx.period.dueOn)}（含当日）` });
  }
  return rows;
}

function howToReply(ctx: MailContext): Block[] {
  const blocks: Block[] = [
    { kind: 'p', text: '【报送方法】直接回复本邮件即可：' },
    {
      kind: 'pre',
      text: '第一行写“状态：××”，××为 完成、推进中、滞后、受阻、部分完成、未完成 之一；\n第二行写“进度：××%”（0 至 100）；\n然后写具体进展；滞后、受阻、部分完成、未完成的，请另起一行写“原因：……”。\n台账、照片等材料可作为附件一并发送。',
    },
  ];
  blocks.push({
    kind: 'p',
    text: '如需延长完成时限，请在完成时限前回复本邮件，写明“申请延期至××××年××月××日，理由：……”，督查室审批后回复你单位。',
  });
  if (ctx.reference)
    blocks.push({ kind: 'p', text: `请保留邮件主题中的编号 ${ctx.reference}，以便系统自动登记。` });
  if (ctx.replyAddress) blocks.push({ kind: 'p', text: `回复地址：${ctx.replyAddress}` });
  if (ctx.replyLink) blocks.push({ kind: 'p', text: '也可以在网页上填报：', link: ctx.replyLink });
  if (ctx.helpLink)
    blocks.push({ kind: 'p', text: '报送说明（签收、格式、附件、延期）：', link: ctx.helpLink });
  return blocks;
}

function signature(ctx: MailContext): Block[] {
  const office = ctx.office ?? { name: '区政府督查室', email: '' };
  return [
    { kind: 'p', text: `${office.name}${office.email ? `（${office.email}）` : ''}` },
    { kind: 'p', text: '本邮件由督办系统自动发送。' },
  ];
}

function build(ctx: MailContext, kind: TemplateKind): { subject: string; blocks: Block[] } {
  const seq = `第${oneLine(ctx.task.seq)}项`;
  const ref = ctx.reference ? ` ${oneLine(ctx.reference)}` : '';
  const setName = setTitle(ctx.taskSet);
  const period = ctx.period;
  switch (kind) {
    case 'notice':
      return {
        subject: `【交办】${setName}${seq}：${short(ctx.task.text)}${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: `现将${setName}${seq}工作任务交由你单位${ctx.role === 'co' ? '配合' : '牵头'}办理，请认真落实，并按要求定期报送进展。`,
          },
          ...taskRows(ctx),
          { kind: 'p', text: '收到后请回复本邮件签收（第一行写“状态：推进中”即可）。' },
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    case 'request':
      return {
        subject: `【请报送】${seq}任务${period?.label ?? ''}进展情况（${period ? dateLabel(period.dueOn) : ''}前）${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: period?.final
              ? `${seq}工作任务即将到期，请于${dateLabel(period.dueOn)}前报送最终完成情况（完成、部分完成或未完成），作为办结评定的依据。`
              : `请于${period ? dateLabel(period.dueOn) : '截止日'}前报送${seq}工作任务${period?.label ?? ''}的进展情况。`,
          },
          ...taskRows(ctx),
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    case 'reminder': {
      const label = LEVEL_LABEL[ctx.level ?? 'reminder1'];
      return {
        subject: `【${label}】${seq}任务${period?.label ?? ''}进展尚未报送${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: `${seq}工作任务${period?.label ?? ''}进展情况的报送截止日为${period ? dateLabel(period.dueOn) : ''}，目前尚未收到你单位报送${ctx.workingDaysLate ? `（已逾期 ${ctx.workingDaysLate} 个工作日）` : ''}。请尽快报送。${ctx.level === 'reminder2' ? '逾期仍未报送的，将向单位负责同志督办。' : ''}`,
          },
          ...taskRows(ctx),
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    }
    case 'escalation':
      return {
        subject: `【督办】${oneLine(ctx.unit)}未按期报送${seq}任务${period?.label ?? ''}进展${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}负责同志：` },
          {
            kind: 'p',
            text: `${seq}工作任务${period?.label ?? ''}进展情况报送截止日为${period ? dateLabel(period.dueOn) : ''}，经两次催办，${ctx.unit}仍未报送${ctx.workingDaysLate ? `（已逾期 ${ctx.workingDaysLate} 个工作日）` : ''}，该任务已亮红灯。请督促相关处室尽快报送。`,
          },
          ...taskRows(ctx),
          {
            kind: 'row',
            label: '最近一次报送',
            text: ctx.lastReport
              ? `${dateLabel(ctx.lastReport.at)}：${ctx.lastReport.status}${ctx.lastReport.percent === null ? '' : `（${ctx.lastReport.percent}%）`}`
              : '无',
          },
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    case 'verdict': {
      const v = ctx.verdict ?? { final: '未完成' as Verdict };
      return {
        subject: `【办结】${setName}${seq}任务评定结果：${v.final}${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: `${seq}工作任务已办结，评定结果为“${v.final}”${v.proposed && v.proposed !== v.final ? `（系统初评“${v.proposed}”，经督查室改定）` : v.decidedBy === 'default' ? '（督查室未在复核期内调整，按初评结果确定）' : ''}。`,
          },
          ...(v.reason ? [{ kind: 'row' as const, label: '评定说明', text: v.reason }] : []),
          ...taskRows(ctx),
          { kind: 'p', text: '如有异议，请与督查室联系。' },
          ...signature(ctx),
        ],
      };
    }
    case 'returned':
      return {
        subject: `【退回】${seq}任务${period?.label ?? ''}报告退回，请重新报送${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: `你单位报送的${seq}工作任务${period?.label ?? ''}进展报告已退回，请于${period ? dateLabel(period.dueOn) : '截止日'}前重新报送。`,
          },
          { kind: 'row', label: '退回理由', text: ctx.returnedReason ?? '' },
          ...taskRows(ctx),
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    case 'extension': {
      const e = ctx.extension ?? { newDeadline: ctx.task.deadline, approved: false };
      const verdict = e.approved ? '同意' : '不同意';
      const who = e.byRules ? '按督办规则，该申请未能受理' : `督查室${verdict}`;
      return {
        subject: `【延期${e.byRules ? '未受理' : verdict}】${seq}任务延期申请${ref}`,
        blocks: [
          { kind: 'p', text: `${ctx.unit}：` },
          {
            kind: 'p',
            text: `你单位关于将${seq}工作任务完成时限延至${dateLabel(e.newDeadline)}的申请，${who}。${e.approved ? `完成时限已调整为${dateLabel(e.newDeadline)}，此后的请报按新时限安排。` : '原完成时限不变，请按原计划推进并按时报送。'}`,
          },
          ...(e.reason
            ? [{ kind: 'row' as const, label: e.approved ? '说明' : '理由', text: e.reason }]
            : []),
          ...taskRows(ctx),
          ...howToReply(ctx),
          ...signature(ctx),
        ],
      };
    }
  }
}

function toText(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'row') out.push(`${b.label}：${oneLine(b.text)}`);
    else if (b.link) out.push(`${b.text}${b.link}`);
    else out.push(b.text);
    if (b.kind !== 'row') out.push('');
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}

function toHtml(blocks: Block[], title: string): string {
  const parts: string[] = [];
  let rows: string[] = [];
  const flush = () => {
    if (rows.length)
      parts.push(`<table style="border-collapse:collapse;margin:8px 0">${rows.join('')}</table>`);
    rows = [];
  };
  for (const b of blocks) {
    if (b.kind === 'row') {
      rows.push(
        `<tr><th style="text-align:left;vertical-align:top;padding:4px 12px 4px 0;white-space:nowrap;color:#555">${escapeHtml(b.label)}</th><td style="padding:4px 0">${escapeHtml(b.text)}</td></tr>`,
      );
      continue;
    }
    flush();
    if (b.kind === 'pre')
      parts.push(
        `<p style="background:#f6f6f6;padding:8px 12px;margin:8px 0">${escapeHtml(b.text).replace(/\n/g, '<br>')}</p>`,
      );
    else if (b.link)
      parts.push(`<p>${escapeHtml(b.text)}<a href="${escapeHtml(b.link)}">${escapeHtml(b.link)}</a></p>`);
    else parts.push(`<p>${escapeHtml(b.text)}</p>`);
  }
  flush();
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:'Microsoft YaHei','PingFang SC',sans-serif;font-size:14px;color:#222">${parts.join('')}</body></html>`;
}

/** The one function the workflow's mail activities compose mail with. */
export function renderMail(kind: TemplateKind, ctx: MailContext): RenderedMail {
  const { subject, blocks } = build(ctx, kind);
  const safeSubject = oneLine(subject);
  return { subject: safeSubject, text: toText(blocks), html: toHtml(blocks, safeSubject) };
}

// A unit's report through the web reply form: the form's values checked, the
// submission kept raw first (as a message of its own, beside the mail in the
// office's inbox), then sent to the task's workflow as an update, so the unit
// hears at once whether the workflow took it and, if not, why. The outcome is
// recorded on the message's row as the workflow decided it. The link of the
// 交办 notice names no period: submitting is the unit's 签收 (a signal) and a
// report for the period open now. The form's second section is a 延期申请,
// sent the same way (the requestExtension update).
import { createHash } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { storeRaw, type InboundDeps } from '../../lib/inbound/ingest.ts';
import { stripNul } from '../../lib/mail/parse/index.ts';
import { tokenReference, type ReplyClaims } from '../../lib/mail/tokens.ts';
import { kindOf, messageOf } from '../../lib/errors.ts';
import { recordReport } from '../../activities/apply-effects.ts';
import {
  acknowledgeSignal,
  requestExtensionUpdate,
  submitReportUpdate,
  type ExtensionRequestInput,
} from '../../workflows/messages.ts';
import {
  NOTICE_PERIOD,
  OPEN_PERIOD,
  REPORT_STATUSES,
  type ReportInput,
  type ReportOutcome,
  type ReportStatus,
} from '../../workflows/types.ts';
import type { ExtensionFormValues, ReplyFormValues } from './views/reply.ts';
import type { UploadedFile } from './forms.ts';

/** The longest 具体进展 the form takes (characters); longer material goes as an attachment. */
export const FORM_TEXT_MAX = 20_000;
/** The longest 原因 / 延期理由 the form takes (characters). */
export const FORM_REASON_MAX = 2_000;

/** The form's values as a report, or what is wrong with them (Chinese, one line each). */
export function readReplyForm(form: URLSearchParams): {
  values: ReplyFormValues;
  errors: string[];
  percent: number | null;
} {
  // NUL cannot be stored in PostgreSQL text and means nothing in a report: dropped
  const field = (name: string) => stripNul(form.get(name) ?? '');
  const values: ReplyFormValues = {
    status: field('status'),
    percent: field('percent'),
    text: field('text'),
    reason: field('reason'),
  };
  const errors: string[] = [];
  if (values.text!.length > FORM_TEXT_MAX)
    errors.push(
      `具体进展过长（${values.text!.length} 字，最多 ${FORM_TEXT_MAX} 字）；较长的材料请作为附件上传。`,
    );
  if (values.reason!.length > FORM_REASON_MAX)
    errors.push(`原因说明过长（${values.reason!.length} 字，最多 ${FORM_REASON_MAX} 字）。`);
  if (!REPORT_STATUSES.includes(values.status as ReportStatus)) errors.push('请选择状态。');
  // digits only: 1e2, 0x64 and 50.0 are not what a person types for a percentage
  const percentText = values.percent?.trim() ?? '';
  const percent = percentText ? (/^\d{1,3}$/.test(percentText) ? Number(percentText) : NaN) : null;
  if (percent !== null && !(Number.isInteger(percent) && percent >= 0 && percent <= 100))
    errors.push('进度应为 0 到 100 的整数。');
  if (!values.text?.trim()) errors.push('请填写具体进展。');
  return { values, errors, percent };
}

/** A web submission as a message of its own, so the office's list shows it beside the mail. */
function webMessage(
  claims: ReplyClaims,
  subject: string,
  body: string,
  receivedAt: number,
  messageId: string,
  ip: string,
): Buffer {
  const b64 = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;
  return Buffer.from(
    [
      `From: ${b64(claims.unit)} <web-form@duban.invalid>`,
      `Subject: ${b64(subject)}`,
      `Date: ${new Date(receivedAt).toUTCString()}`,
      `Message-ID: ${messageId}`,
      `X-Duban-Client-Address: ${ip.replace(/[^\w.:]/g, '')}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(body)
        .toString('base64')
        .replace(/(.{76})/g, '$1\r\n'),
      '',
    ].join('\r\n'),
  );
}

/** The report's text as the office reads the stored submission, its files named. */
function reportBody(input: ReportInput): string {
  const files = (input.attachments ?? []).map((a) => `附件：${a.filename}（${a.size} 字节）\n`).join('');
  return `状态：${input.status}\n进度：${input.percent ?? ''}%\n${input.reason ? `原因：${input.reason}\n` : ''}\n${input.text}\n${files ? `\n${files}` : ''}`;
}

/** The 延期申请 section's values, or what is wrong with them. */
export function readExtensionForm(form: URLSearchParams): { values: ExtensionFormValues; errors: string[] } {
  const values: ExtensionFormValues = {
    newDeadline: stripNul(form.get('newDeadline') ?? '').trim(),
    reason: stripNul(form.get('reason') ?? ''),
  };
  const errors: string[] = [];
  if (values.reason!.length > FORM_REASON_MAX)
    errors.push(`延期理由过长（${values.reason!.length} 字，最多 ${FORM_REASON_MAX} 字）。`);
  const date = values.newDeadline!;
  const real =
    /^\d{4}-\d{2}-\d{2}$/.test(date) && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
  if (!real) errors.push('请填写申请延至的日期（年-月-日）。');
  if (!values.reason?.trim()) errors.push('请写明延期理由。');
  return { values, errors };
}

export type WebReplyResult =
  | { delivered: true; outcome: ReportOutcome; acknowledged?: boolean }
  /** the workflow could not be reached now: kept, to be tried again */
  | { delivered: false; reason: string };

/** Keeps the submission raw, sends it to the workflow, records what the workflow decided. */
export async function submitWebReply(
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
  values: ReplyFormValues,
  percent: number | null,
  clientAddress: string,
  attachments: UploadedFile[] = [],
): Promise<WebReplyResult> {
  const fileDigests = attachments.map((a) => createHash('sha256').update(a.content).digest('hex'));
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        token,
        values.status,
        percent,
        values.text?.trim(),
        values.reason?.trim(),
        ...(fileDigests.length ? [fileDigests] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 24);
  const messageId = `<web.${tokenReference(token)}.${digest}@duban.web>`;
  const receivedAt = deps.now?.() ?? Date.now();
  const notice = claims.period === NOTICE_PERIOD;
  const input: ReportInput = {
    key: `web:${tokenReference(token)}:${digest}`,
    // the notice names no period: the report goes to the one open now
    period: notice ? OPEN_PERIOD : claims.period,
    unit: claims.unit,
    status: values.status as ReportStatus,
    percent,
    text: values.text!.trim(),
    ...(values.reason?.trim() ? { reason: values.reason.trim() } : {}),
    ...(attachments.length
      ? {
          attachments: attachments.map((a) => ({
            filename: stripNul(a.filename) || '附件',
            contentType: stripNul(a.mimetype) || 'application/octet-stream',
            size: a.content.length,
          })),
        }
      : {}),
    channel: 'web',
    inboundMessageId: messageId,
    receivedAt,
  };
  // Kept raw first, whatever becomes of it: the submission as it arrived.
  const stored = await storeRaw(
    deps.prisma,
    messageId,
    'web',
    webMessage(
      claims,
      `网页报送：${claims.workflowId} ${claims.period}`,
      reportBody(input),
      receivedAt,
      messageId,
      clientAddress,
    ),
    receivedAt,
  );
  // the files kept with the submission, as a mail's attachments are (bytes through SQL: FACTS.md)
  if (stored.created) {
    for (const a of attachments) {
      await deps.prisma.$executeRaw`
        INSERT INTO "Attachment" ("inboundMessageId", filename, "contentType", size, content)
        VALUES (${stored.id}, ${stripNul(a.filename) || '附件'}, ${stripNul(a.mimetype) || 'application/octet-stream'}, ${a.content.length}, decode(${a.content.toString('hex')}, 'hex'))`;
    }
  }
  const record = (outcomeWord: 'applied' | 'refused' | 'pending', reason: string) =>
    stored.created
      ? deps.prisma.inboundMessage.update({
          where: { id: stored.id },
          data: {
            subject: `网页报送：${claims.unit} ${claims.period}`,
            outcome: outcomeWord,
            reason,
            workflowId: claims.workflowId,
            unitName: claims.unit,
            reportKey: input.key,
          },
        })
      : Promise.resolve();

  let outcome: ReportOutcome;
  try {
    if (!deps.client) throw new Error('没有 Temporal 客户端');
    const handle = deps.client.workflow.getHandle(claims.workflowId);
    if (notice) await handle.signal(acknowledgeSignal, { unit: claims.unit, channel: 'web', receivedAt });
    outcome = await handle.executeUpdate(submitReportUpdate, { args: [input] });
  } catch (err) {
    const kind = kindOf(err);
    if (kind === 'NotFound') {
      outcome = { accepted: false, reason: '该任务不存在或已结束。' };
    } else if (err instanceof WorkflowUpdateFailedError || kind === 'BadInput' || kind === 'Refused') {
      // the workflow's validator said no: its reason, in its words
      outcome = { accepted: false, reason: messageOf(err) };
    } else {
      const reason = `暂时无法送达任务工作流：${messageOf(err)}`;
      await record('pending', reason);
      return { delivered: false, reason };
    }
  }
  if (!outcome.accepted) {
    // A refusal by the update's validator never reaches the history; keep it
    // with its reason in the Report table too, as the signal path does.
    const task = await deps.prisma.task.findUnique({
      where: { workflowId: claims.workflowId },
      select: { id: true },
    });
    if (task) await recordReport(deps.prisma, task.id, input, false, outcome.reason);
  }
  await record(
    outcome.accepted ? 'applied' : 'refused',
    outcome.accepted
      ? outcome.duplicate
        ? '网页报送（重复提交，未重复登记）'
        : '网页报送，任务工作流已接收'
      : `任务工作流拒收：${outcome.reason ?? ''}`,
  );
  return { delivered: true, outcome, ...(notice ? { acknowledged: true } : {}) };
}

/** A 延期申请 from the form: kept raw first, then the requestExtension update, answered at once. */
export async function submitWebExtension(
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
  values: ExtensionFormValues,
  clientAddress: string,
): Promise<WebReplyResult> {
  const reason = values.reason!.trim();
  const digest = createHash('sha256')
    .update(JSON.stringify([token, 'extension', values.newDeadline, reason]))
    .digest('hex')
    .slice(0, 24);
  const messageId = `<web-ext.${tokenReference(token)}.${digest}@duban.web>`;
  const receivedAt = deps.now?.() ?? Date.now();
  const input: ExtensionRequestInput = {
    key: `web-ext-${digest.slice(0, 10)}`,
    unit: claims.unit,
    newDeadline: values.newDeadline!,
    reason,
    receivedAt,
    channel: 'web',
    inboundMessageId: messageId,
  };
  const stored = await storeRaw(
    deps.prisma,
    messageId,
    'web',
    webMessage(
      claims,
      `网页延期申请：${claims.workflowId}`,
      `申请延期至${input.newDeadline}，理由：${reason}\n`,
      receivedAt,
      messageId,
      clientAddress,
    ),
    receivedAt,
  );
  const record = (outcomeWord: 'applied' | 'refused' | 'pending', why: string) =>
    stored.created
      ? deps.prisma.inboundMessage.update({
          where: { id: stored.id },
          data: {
            subject: `网页延期申请：${claims.unit} 延至 ${input.newDeadline}`,
            outcome: outcomeWord,
            reason: why,
            workflowId: claims.workflowId,
            unitName: claims.unit,
          },
        })
      : Promise.resolve();
  let outcome: ReportOutcome;
  try {
    if (!deps.client) throw new Error('没有 Temporal 客户端');
    outcome = await deps.client.workflow
      .getHandle(claims.workflowId)
      .executeUpdate(requestExtensionUpdate, { args: [input] });
  } catch (err) {
    const kind = kindOf(err);
    if (kind === 'NotFound' && !(err instanceof WorkflowUpdateFailedError)) {
      outcome = { accepted: false, reason: '该任务不存在或已结束。' };
    } else if (err instanceof WorkflowUpdateFailedError || kind === 'BadInput' || kind === 'Refused') {
      outcome = { accepted: false, reason: messageOf(err) };
    } else {
      const why = `暂时无法送达任务工作流：${messageOf(err)}`;
      await record('pending', why);
      return { delivered: false, reason: why };
    }
  }
  await record(
    outcome.accepted ? 'applied' : 'refused',
    outcome.accepted
      ? outcome.duplicate
        ? '网页延期申请（重复提交，未重复登记）'
        : `网页延期申请：延至 ${input.newDeadline}，待督查室审批`
      : `任务工作流拒收延期申请：${outcome.reason ?? ''}`,
  );
  return { delivered: true, outcome };
}

// The units' reply form, reached by the signed token in a mail:
//   GET  /reply/<token>             the form, with the task and the period it answers
//   POST /reply/<token>             the report (from the 交办 notice's link: the 签收
//                                   too), answered at once with the workflow's decision
//   POST /reply/<token>/extension   a 延期申请, answered the same way
// The token is the unit's key: a forged, expired or cut-off one gets a page
// that says so, and nothing else.
import type http from 'node:http';
import { splitWorkflowId, type InboundDeps } from '../../../lib/inbound/ingest.ts';
import { verifyReplyToken, type ReplyClaims } from '../../../lib/mail/tokens.ts';
import { html, type Raw } from '../../../lib/html.ts';
import { readForm, send } from '../http.ts';
import { readExtensionForm, readReplyForm, submitWebExtension, submitWebReply } from '../web-reply.ts';
import {
  errorsBox,
  outcomeBox,
  refusedTokenPage,
  replyFormPage,
  replyPage,
  type ExtensionFormValues,
  type ReplyFormInfo,
  type ReplyFormValues,
} from '../views/reply.ts';
import { NOTICE_PERIOD, OPEN_PERIOD } from '../../../workflows/types.ts';

/** How the form names the period a token is for. */
function periodLabel(period: string): string {
  if (period === NOTICE_PERIOD) return '交办签收（有正在报送的期次时一并报送）';
  if (period === OPEN_PERIOD) return '当前正在报送的期次';
  return period === 'final' ? '最终报告' : period;
}

async function formInfo(deps: InboundDeps, claims: ReplyClaims): Promise<ReplyFormInfo> {
  const task = await deps.prisma.task.findUnique({
    where: { workflowId: claims.workflowId },
    include: { taskSet: true },
  });
  const request =
    task && claims.period !== NOTICE_PERIOD && claims.period !== OPEN_PERIOD
      ? await deps.prisma.request.findFirst({
          where: { taskId: task.id, unitName: claims.unit, period: claims.period },
        })
      : null;
  const ids = splitWorkflowId(claims.workflowId);
  const rows: [string, string][] = [
    ['单位', claims.unit],
    ['任务', task ? `第${task.seq}项：${task.text}` : `第${ids?.seq ?? ''}项`],
    ...(task ? ([['完成时限', task.deadline.toISOString().slice(0, 10)]] as [string, string][]) : []),
    ['报送周期', periodLabel(claims.period)],
    ...(request ? ([['截止日期', request.dueAt.toISOString().slice(0, 10)]] as [string, string][]) : []),
  ];
  return {
    heading: task ? `${task.taskSet.year}年${task.taskSet.name}` : '工作任务进展报送',
    rows,
    notice: claims.period === NOTICE_PERIOD,
    ...(task ? { deadline: task.deadline.toISOString().slice(0, 10) } : {}),
  };
}

async function form(
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
  values?: ReplyFormValues,
  message?: Raw,
  extension?: { values?: ExtensionFormValues; message?: Raw },
): Promise<string> {
  return replyFormPage(
    token,
    await formInfo(deps, claims),
    values,
    message,
    extension?.values,
    extension?.message,
  );
}

/** Handles /reply/…; false for any other path. */
export async function handleReply(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: InboundDeps,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!path.startsWith('/reply/')) return false;
  const method = req.method ?? 'GET';
  const match = /^\/reply\/([a-z2-7]{1,400})(\/extension)?$/i.exec(path);
  const token = match?.[1]?.toLowerCase() ?? '';
  const extensionPath = Boolean(match?.[2]);
  const verified = verifyReplyToken(token, deps.config.tokens.secret, deps.now?.() ?? Date.now());
  if (!verified.ok) {
    send(res, 403, refusedTokenPage(verified.reason));
    return true;
  }
  const claims = verified.claims;
  if (extensionPath) {
    if (method !== 'POST') {
      send(
        res,
        405,
        replyPage('不支持', html`<p>请在报送页面上提交延期申请。</p>`),
        'text/html; charset=utf-8',
        {
          allow: 'POST',
        },
      );
      return true;
    }
    await handleExtension(req, res, deps, token, claims);
    return true;
  }
  if (method === 'GET') {
    send(res, 200, await form(deps, token, claims));
    return true;
  }
  if (method !== 'POST') {
    send(res, 405, replyPage('不支持', html`<p>不支持的请求方法。</p>`), 'text/html; charset=utf-8', {
      allow: 'GET, POST',
    });
    return true;
  }
  const posted = await readForm(req);
  if (!posted) {
    send(res, 413, replyPage('内容过长', html`<div class="box bad">提交的内容过长。</div>`));
    return true;
  }
  const { values, errors, percent } = readReplyForm(posted);
  if (errors.length) {
    send(res, 400, await form(deps, token, claims, values, errorsBox(errors)));
    return true;
  }
  const result = await submitWebReply(deps, token, claims, values, percent, req.socket.remoteAddress ?? '');
  if (!result.delivered) {
    const box = errorsBox([`暂时无法提交：${result.reason}。请稍后重试，或直接回复邮件。`]);
    send(res, 503, await form(deps, token, claims, values, box));
    return true;
  }
  const { outcome } = result;
  const signed = result.acknowledged ? '已签收。' : '';
  const box = outcome.accepted
    ? outcomeBox(
        true,
        `${signed}${outcome.duplicate ? '这份报告此前已提交，未重复登记。' : '报送成功，督查室已收到。'}`,
      )
    : result.acknowledged
      ? outcomeBox(true, `${signed}进展未作为报告登记：${outcome.reason ?? '原因不明'}`)
      : outcomeBox(false, `报送未被接收：${outcome.reason ?? '原因不明'}`);
  // 409: the workflow refused it (a closed period, a unit not on the task)
  send(
    res,
    outcome.accepted || result.acknowledged ? 200 : 409,
    await form(deps, token, claims, outcome.accepted ? {} : values, box),
  );
  return true;
}

/** POST /reply/<token>/extension: the 延期申请, answered with the workflow's decision to take it. */
async function handleExtension(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
): Promise<void> {
  const posted = await readForm(req);
  if (!posted) {
    send(res, 413, replyPage('内容过长', html`<div class="box bad">提交的内容过长。</div>`));
    return;
  }
  const { values, errors } = readExtensionForm(posted);
  if (errors.length) {
    send(res, 400, await form(deps, token, claims, {}, undefined, { values, message: errorsBox(errors) }));
    return;
  }
  const result = await submitWebExtension(deps, token, claims, values, req.socket.remoteAddress ?? '');
  if (!result.delivered) {
    const box = errorsBox([`暂时无法提交：${result.reason}。请稍后重试，或直接回复邮件。`]);
    send(res, 503, await form(deps, token, claims, {}, undefined, { values, message: box }));
    return;
  }
  const { outcome } = result;
  const box = outcome.accepted
    ? outcomeBox(
        true,
        outcome.duplicate
          ? '这份延期申请此前已提交，未重复登记。'
          : `延期申请已提交（申请延至 ${values.newDeadline}），督查室审批后将以邮件回复。`,
      )
    : outcomeBox(false, `延期申请未被受理：${outcome.reason ?? '原因不明'}`);
  send(
    res,
    outcome.accepted ? 200 : 409,
    await form(deps, token, claims, {}, undefined, {
      values: outcome.accepted ? {} : values,
      message: box,
    }),
  );
}
